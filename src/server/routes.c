/* The central list of route tables. Adding a handler file is one line here:
 *     X(medfwd_routes_sites)
 * where src/server/handlers/sites.c defines
 *     const struct medfwd_route medfwd_routes_sites[] = { {...}, ..., {0} };
 * (see server.h). Order does not matter: the most specific pattern wins. */
#include "internal.h"

#define MEDFWD_ROUTE_TABLES(X) \
	X(medfwd_routes_core) \
	X(medfwd_routes_people) \
	X(medfwd_routes_totp) \
	X(medfwd_routes_devices) \
	X(medfwd_routes_device_statement) \
	X(medfwd_routes_repo) X(medfwd_routes_director) \
	X(medfwd_routes_releases) \
	X(medfwd_routes_rollouts) X(medfwd_routes_windows) X(medfwd_routes_vulns) \
	X(medfwd_routes_advisories) \
	X(medfwd_routes_web)

#define DECLARE(table) extern const struct medfwd_route table[];
#define LIST(table) table,

MEDFWD_ROUTE_TABLES(DECLARE)

const struct medfwd_route *const medfwd_route_tables[] = {MEDFWD_ROUTE_TABLES(LIST) NULL};
