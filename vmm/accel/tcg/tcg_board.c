/*
 * The software CPU's view of the board (see tcg_board.h).
 */
#include "vmm/accel/tcg/tcg_board.h"

#include <stddef.h>

#include "board/board.h"
#include "vmm/accel/accel.h"

struct lapic *tcg_board_lapic(struct board *b, struct vcpu *v)
{
	return b ? board_lapic(b, v->index) : NULL;
}
