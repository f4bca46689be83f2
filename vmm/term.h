/*
 * The host terminal: raw mode for -serial stdio when stdin is a tty, restored
 * at exit whatever the path (normal exit, error exit, SIGINT/SIGTERM through
 * the main loop).
 */
#ifndef VMM_TERM_H
#define VMM_TERM_H

/* Raw input (no echo, no line editing); ISIG stays so Ctrl-C still stops us. */
int term_raw_enter(int fd);
void term_restore(void);

#endif
