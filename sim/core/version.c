/* The library's version and the commit it was built from (conflux.h). */
#include "conflux.h"

#include "core/version.h"

const char *cfx_version(void)
{
    return CFX_VERSION;
}

const char *cfx_git_commit(void)
{
    return CFX_GIT_COMMIT;
}
