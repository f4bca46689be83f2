/*
 * The Check runner. The Makefile generates SUITES_H from the test file names
 * (tests/unit/<module>/test_<name>.c defines <name>_suite()).
 * CK_RUN_SUITE / CK_RUN_CASE select a subset, as Check documents.
 */
#include <check.h>
#include <stdlib.h>
#include SUITES_H

int main(void)
{
	SRunner *runner = NULL;
	size_t i;
	int failed;

	for (i = 0; i < sizeof(suite_makers) / sizeof(suite_makers[0]); i++) {
		Suite *s = suite_makers[i]();
		if (!runner)
			runner = srunner_create(s);
		else
			srunner_add_suite(runner, s);
	}
	if (!runner)
		return 0;
	srunner_run_all(runner, CK_NORMAL);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
