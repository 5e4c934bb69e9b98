/* repo_host: which metadata and target names a hosted repository accepts and serves
 * (the commit itself is tested end to end: tests/e2e/test_repo_server.py). */
#include "testutil.h"

#include <string.h>

#include "medfw/repo_host.h"

static void test_role_names(void **state)
{
	char longest[MEDFW_REPO_HOST_ROLE_NAME_MAX + 2];

	(void)state;
	assert_true(medfw_repo_host_role_name_ok("pump-team"));
	assert_true(medfw_repo_host_role_name_ok("bins-0a"));
	assert_true(medfw_repo_host_role_name_ok("2024_release.v2"));
	assert_true(medfw_repo_host_role_name_ok("a2.b"));
	assert_false(medfw_repo_host_role_name_ok(NULL));
	assert_false(medfw_repo_host_role_name_ok(""));
	assert_false(medfw_repo_host_role_name_ok("targets"));
	assert_false(medfw_repo_host_role_name_ok("root"));
	assert_false(medfw_repo_host_role_name_ok("snapshot"));
	assert_false(medfw_repo_host_role_name_ok("timestamp"));
	assert_false(medfw_repo_host_role_name_ok(".hidden"));
	assert_false(medfw_repo_host_role_name_ok("2.pump"));   /* reads as version 2 */
	assert_false(medfw_repo_host_role_name_ok("a/b"));
	assert_false(medfw_repo_host_role_name_ok("a b"));
	assert_false(medfw_repo_host_role_name_ok("a%2f"));
	assert_false(medfw_repo_host_role_name_ok("caf\xc3\xa9"));
	memset(longest, 'r', sizeof(longest));
	longest[MEDFW_REPO_HOST_ROLE_NAME_MAX] = 0;
	assert_true(medfw_repo_host_role_name_ok(longest));
	longest[MEDFW_REPO_HOST_ROLE_NAME_MAX] = 'r';
	longest[MEDFW_REPO_HOST_ROLE_NAME_MAX + 1] = 0;
	assert_false(medfw_repo_host_role_name_ok(longest));
}

static void test_metadata_names(void **state)
{
	(void)state;
	assert_true(medfw_repo_host_metadata_name_ok("root.json"));
	assert_true(medfw_repo_host_metadata_name_ok("timestamp.json"));
	assert_true(medfw_repo_host_metadata_name_ok("7.root.json"));
	assert_true(medfw_repo_host_metadata_name_ok("pump-team.json"));
	assert_false(medfw_repo_host_metadata_name_ok("0.root.json"));
	assert_false(medfw_repo_host_metadata_name_ok("3.targets.json")); /* served, not uploaded */
	assert_false(medfw_repo_host_metadata_name_ok("3.pump-team.json"));
	assert_false(medfw_repo_host_metadata_name_ok("pump-team"));
	assert_false(medfw_repo_host_metadata_name_ok(".json"));
	assert_false(medfw_repo_host_metadata_name_ok("..json"));
	assert_false(medfw_repo_host_metadata_name_ok("99999999999.root.json"));

	assert_true(medfw_repo_host_served_name_ok("3.targets.json"));
	assert_true(medfw_repo_host_served_name_ok("3.snapshot.json"));
	assert_true(medfw_repo_host_served_name_ok("3.pump-team.json"));
	assert_true(medfw_repo_host_served_name_ok("pump-team.json"));
	assert_false(medfw_repo_host_served_name_ok("3.timestamp.json"));
	assert_false(medfw_repo_host_served_name_ok("3.3.root.json"));
	assert_false(medfw_repo_host_served_name_ok("medfwd.db"));
	assert_false(medfw_repo_host_served_name_ok("03.targets.json"));

	assert_int_equal(medfw_repo_host_metadata_max_len("timestamp.json"),
			 MEDFW_TUF_TIMESTAMP_MAX_LEN);
	assert_int_equal(medfw_repo_host_metadata_max_len("snapshot.json"),
			 MEDFW_TUF_SNAPSHOT_MAX_LEN);
	assert_int_equal(medfw_repo_host_metadata_max_len("4.root.json"), MEDFW_TUF_ROOT_MAX_LEN);
	assert_int_equal(medfw_repo_host_metadata_max_len("pump-team.json"),
			 MEDFW_TUF_TARGETS_MAX_LEN);
}

static void test_target_paths(void **state)
{
	(void)state;
	assert_true(medfw_repo_host_target_path_ok("firmware/pump/v2/2026/image.bin"));
	assert_true(medfw_repo_host_target_path_ok("a"));
	assert_false(medfw_repo_host_target_path_ok("a//b"));
	assert_false(medfw_repo_host_target_path_ok("/a"));
	assert_false(medfw_repo_host_target_path_ok("a/"));
	assert_false(medfw_repo_host_target_path_ok("a/../b"));
	assert_false(medfw_repo_host_target_path_ok("a/.b/c"));
	assert_false(medfw_repo_host_target_path_ok("a\\b"));
	assert_false(medfw_repo_host_target_path_ok("a/b\nc"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_role_names),
		cmocka_unit_test(test_metadata_names),
		cmocka_unit_test(test_target_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
