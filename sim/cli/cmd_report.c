/* conflux report: the briefing page. The page is drawn by the Python script conflux-report
 * (numpy, h5py, matplotlib); this verb finds it and hands over, adding --conflux with the
 * path of this binary so that the script calls the same build's analyze and compare. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static const char help_report[] =
    "usage: conflux report RUN_OR_SWEEP.h5 [--against B.h5] -o REPORT.html [--force]\n"
    "                      [--member N] [--title TEXT]\n"
    "\n"
    "Writes one self-contained HTML page (it loads nothing from the network: figures,\n"
    "map and script are inline) briefing on a run or a sweep: provenance, a table of\n"
    "headline metrics (conflux analyze) or, with --against, of the effects of the scenario\n"
    "against the counterfactual B (conflux compare), figures of prices, shortfall and\n"
    "group accounts, the timeline of events, and a map with a day slider showing each\n"
    "node's status and controller and each road's flow on that day.\n"
    "\n"
    "  --against B.h5  the counterfactual run: the page shows A's effect against B\n"
    "  -o REPORT.html  the page (required); an existing file only with --force\n"
    "  --member N      a sweep: the member whose events and map are shown, one that\n"
    "                  finished (default: the first finished one)\n"
    "  --title TEXT    the page's title (default: the scenario's name)\n"
    "\n"
    "The page is drawn by the script conflux-report (analysis/conflux-report, installed\n"
    "beside conflux), found as $CONFLUX_REPORT, beside this binary, or in ../analysis.\n"
    "Exit 0, 2 usage, script not found or a member that did not finish, 65 not a conflux\n"
    "result or B one that conflux compare refuses against A (other days, products, gates\n"
    "or groups), 66 input missing,\n"
    "73 the page exists (without --force) or cannot be written.\n";

/* The directory of this binary into dir (no trailing slash); -1 if unknown. */
static int exe_dir(char *dir, size_t n)
{
    ssize_t len = readlink("/proc/self/exe", dir, n - 1);
    if (len <= 0 || (size_t)len >= n - 1)
        return -1;
    dir[len] = '\0';
    char *slash = strrchr(dir, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    return 0;
}

/* The script into path: $CONFLUX_REPORT, else beside the binary (installed), else
 * ../analysis (the build tree). The places looked in go into tried for the error. */
static int find_script(char *path, size_t n, char *tried, size_t tn)
{
    const char *env = getenv("CONFLUX_REPORT");
    if (env && *env) {
        snprintf(path, n, "%s", env);
        snprintf(tried, tn, "$CONFLUX_REPORT=%s", env);
        return access(path, X_OK) == 0 ? 0 : -1;
    }
    char dir[PATH_MAX];
    if (exe_dir(dir, sizeof dir)) {
        snprintf(tried, tn, "$CONFLUX_REPORT (unset); this binary's directory is unknown");
        return -1;
    }
    const char *rel[] = {"conflux-report", "../analysis/conflux-report"};
    size_t used = (size_t)snprintf(tried, tn, "$CONFLUX_REPORT (unset)");
    for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
        snprintf(path, n, "%s/%s", dir, rel[i]);
        if (access(path, X_OK) == 0)
            return 0;
        if (used < tn)
            used += (size_t)snprintf(tried + used, tn - used, ", %s", path);
    }
    return -1;
}

static int cfx_cmd_report(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return cfx_cli_help(stdout, "report");
    char script[PATH_MAX + 64], tried[3 * PATH_MAX], self[PATH_MAX];
    if (find_script(script, sizeof script, tried, sizeof tried)) {
        fprintf(stderr, "conflux report: the page script conflux-report is not found (looked "
                        "at %s)\n", tried);
        return 2;
    }
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0 || (size_t)len >= sizeof self - 1)
        snprintf(self, sizeof self, "conflux");
    else
        self[len] = '\0';
    /* script, the arguments, --conflux SELF, NULL */
    char **args = calloc((size_t)argc + 3, sizeof *args);
    if (!args)
        return cfx_cli_nomem("report");
    args[0] = script;
    for (int i = 1; i < argc; i++)
        args[i] = argv[i];
    args[argc] = "--conflux";
    args[argc + 1] = self;
    fflush(stdout);
    execv(script, args);
    fprintf(stderr, "conflux report: cannot run %s: ", script);
    perror(NULL);
    free(args);
    return 2;
}

const cfx_command cfx_command_report = {
    .name = "report",
    .run = cfx_cmd_report,
    .usage = "report FILE.h5 -o REPORT.html",
    .summary = "a self-contained HTML briefing page (figures, events, map)",
    .help = help_report};
