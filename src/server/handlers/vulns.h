/* Vulnerability management on medfwd (docs/vulnerabilities.md): what the HTTP handlers
 * (vulns.c), the check-in path (devices_agent.c) and the re-evaluation worker
 * (vuln_worker.c) share.
 *
 * The worker is one thread that runs every re-evaluation of the findings in the
 * background, so a request that changes an input (a feed import, an SBOM, VEX, the
 * product map) is answered as soon as the change is stored. Changes arriving close
 * together are evaluated together: the worker starts `delay` seconds after the last
 * change (at most 15 times `delay`, and never more than a minute, after the first), and
 * an evaluation that finds the inputs changed while it matched still writes what it read
 * (one consistent state) and the worker runs again. Check-ins that report another image
 * mark the fleet changed; the worker then brings the sites' exposures up to date (at most
 * every `fleet_interval` seconds), so an exposure closes when its last device runs the
 * fixing release, not only when someone reads the report. */
#ifndef MEDFWD_VULNS_H
#define MEDFWD_VULNS_H

#include <jansson.h>

#include "app.h"
#include "medfw/store_vuln.h"

/* Start the worker (evaluating at once when the store holds changes no evaluation has
 * seen); stop it, cancelling an evaluation under way (nothing of it is written), and
 * free everything (NULL-safe). */
enum medfw_err medfwd_vulns_start(struct medfwd_app *app, int64_t delay, int64_t fleet_interval,
				  struct medfw_diag *diag) MEDFW_WARN_UNUSED;
void medfwd_vulns_stop(struct medfwd_app *app);

/* A change to the inputs was stored (`what`: e.g. "import of nvd.json by alice"): an
 * evaluation follows. Returns the answer's "evaluation" object: {"queued": true,
 * "generation": G}; the findings include the change once the evaluation state
 * (medfwd_vulns_state_json) shows evaluated_generation >= G. */
json_t *medfwd_vulns_changed(struct medfwd_app *app, enum medfw_store_vuln_cause cause,
			     const char *what);
/* Store `sbom` as the SBOM of the signed release target `release` (as a TUF client
 * found it in the served repository: its image's sha256 in hashes; `notice` its release
 * notice, from release->custom): the record takes the image hash and the notice's
 * fields, sbom_sha256 (the lowercase hex SHA-256 of the bytes `sbom` was parsed from),
 * sbom_signed (1: those bytes are the notice's signed sbom_target) and created_by =
 * who; audited as release.sbom_stored, with "attached": `attached` when not NULL (the
 * repository commit). What PUT /api/v1/releases/{target}/sbom and the commit share;
 * the caller queues the re-evaluation (medfwd_vulns_changed). *out_meta is the stored
 * record (cleared on failure), *out_replaced 1 when it replaced one. Errors: the
 * store's (FIELD_VALUE / FIELD_MISSING / TOO_LARGE naming the field, IO, ...). */
struct medfw_tuf_target;
struct medfw_release_notice;
struct medfw_sbom;
enum medfw_err medfwd_release_sbom_store(struct medfwd_app *app, const struct medfwd_request *req,
					 const struct medfwd_principal *who,
					 const struct medfw_tuf_target *release,
					 const struct medfw_release_notice *notice,
					 const struct medfw_sbom *sbom, const char *sbom_sha256,
					 int sbom_signed, const char *attached,
					 struct medfw_store_release_sbom *out_meta,
					 int *out_replaced, struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* A device now runs another image: refresh the exposures soon. Cheap (a flag). */
void medfwd_vulns_fleet_changed(struct medfwd_app *app);

/* GET /api/v1/vulnerabilities/evaluation: the worker's state; NULL on a store error
 * (diag says which). */
json_t *medfwd_vulns_state_json(struct medfwd_app *app, struct medfw_diag *diag);
/* The statistics of one evaluation as JSON (also in the state's "last"). */
json_t *medfwd_vulns_eval_json(const struct medfw_store_vuln_eval_stats *st);

/* medfwd_vuln_* metrics (main.c installs them). */
int medfwd_vulns_metrics_install(struct medfwd_server *srv, struct medfwd_app *app);

#endif
