/* conflux events: a result file's dated event timeline, as a table or as CSV. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char help_events[] =
    "usage: conflux events FILE.h5 [-o EVENTS.csv [--force]] [--member N] [--kind K[,K...]]\n"
    "\n"
    "The events of a run (a sweep: of one member) in time order, with their names: the\n"
    "date (the start plus the day), the day (days since the start), the kind, the node or\n"
    "road hit (node id, or from-to by node id), the group that acted, the duration in days\n"
    "before the event reverses itself ('-': until something reverses it) and the place's\n"
    "name.\n"
    "\n"
    "  -o EVENTS.csv        write CSV (date,day,kind,node,edge,group,days,name) instead of\n"
    "                       the table; an existing file only with --force\n"
    "  --force              overwrite EVENTS.csv\n"
    "  --member N           a sweep: the member's events (default 0, with a note)\n"
    "  --kind K[,K...]      only events of these kinds (any case), e.g. close,capture\n"
    "\n"
    "Exit 0, 2 on a bad option (an unknown kind, a member the sweep lacks), 65 when FILE is\n"
    "not a conflux result (the reason is printed), 66 when it is missing, 73 when\n"
    "EVENTS.csv exists or cannot be created.\n";

static int cfx_cmd_events(int argc, char **argv)
{
    const char *path = NULL, *csv = NULL, *kinds = NULL, *v;
    int force = 0;
    long member = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--force") == 0)
            force = 1;
        else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            return cfx_cli_help(stdout, "events");
        else if ((v = cfx_cli_optval(argc, argv, &i, "-o")) ||
                 (v = cfx_cli_optval(argc, argv, &i, "--output")))
            csv = v;
        else if ((v = cfx_cli_optval(argc, argv, &i, "--kind")))
            kinds = v;
        else if ((v = cfx_cli_optval(argc, argv, &i, "--member"))) {
            if (cfx_cli_parse_long(v, 0, 999999999, &member))
                return cfx_cli_usage("events", "--member takes a member number, got '%s'", v);
        } else if (a[0] == '-' && a[1])
            return cfx_cli_usage("events", "unknown option or missing value: '%s'", a);
        else if (!path)
            path = a;
        else
            return cfx_cli_usage("events", "one file at a time (got '%s' and '%s')", path, a);
    }
    if (!path)
        return cfx_cli_usage("events", "missing FILE.h5");
    if (force && !csv)
        return cfx_cli_usage("events", "--force goes with -o EVENTS.csv");
    cfx_events *e = NULL;
    cfx_error err = {0};
    int rc = cfx_events_read(&e, path, member, &err);
    if (!rc && kinds)
        rc = cfx_events_keep_kinds(e, kinds, &err);
    if (rc == CFX_EUSAGE) {
        cfx_events_free(e);
        return cfx_cli_usage("events", "%s", err.msg);
    }
    if (!rc && csv)
        rc = cfx_events_write_csv(e, csv, force, &err);
    if (rc) {
        cfx_events_free(e);
        cfx_cli_print_error(&err);
        return cfx_exit_code(rc);
    }
    const char *note = cfx_events_note(e);
    if (note)
        fprintf(stderr, "conflux events: %s\n", note);
    if (!csv)
        cfx_events_print(e, stdout);
    cfx_events_free(e);
    return 0;
}

const cfx_command cfx_command_events = {
    .name = "events",
    .run = cfx_cmd_events,
    .usage = "events FILE.h5",
    .summary = "the dated event timeline of a run or a sweep member (table or CSV)",
    .help = help_events};
