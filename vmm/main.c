/*
 * bringup: parse the command line, build the machine, run it, exit with
 * QEMU's statuses (see machine.h).
 */
#include "vmm/cli.h"
#include "vmm/machine.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	struct vm_config cfg;
	struct machine *m;
	char err[512];
	int status;

	if (cli_parse(argc, argv, &cfg, err, sizeof(err))) {
		fprintf(stderr, "bringup: %s\n", err);
		cli_free(&cfg);
		return 1;
	}
	switch (cfg.action) {
	case CLI_VERSION:
		fputs(cli_version(), stdout);
		cli_free(&cfg);
		return 0;
	case CLI_HELP:
		fputs(cli_usage(), stdout);
		cli_free(&cfg);
		return 0;
	case CLI_LIST:
		fputs(cfg.list_text, stdout);
		cli_free(&cfg);
		return 0;
	case CLI_RUN:
		break;
	}

	m = machine_create(&cfg, &status, err, sizeof(err));
	if (!m) {
		if (status)
			fprintf(stderr, "bringup: %s\n", err);
		cli_free(&cfg);
		return status;
	}
	status = machine_run(m);
	machine_destroy(m);
	cli_free(&cfg);
	fflush(stdout);
	return status;
}
