/* Test helpers on top of cmocka (1.1.5 in Debian 12 has no double assertions). */
#ifndef CFX_TESTS_CHECK_H
#define CFX_TESTS_CHECK_H

#include <math.h>

/* |a - b| <= tol, with both values in the failure message. */
#define assert_near(a, b, tol)                                                         \
    do {                                                                               \
        double a_ = (a), b_ = (b), t_ = (tol);                                         \
        if (!(fabs(a_ - b_) <= t_))                                                    \
            fail_msg("%s = %.17g, expected %s = %.17g (tolerance %g)", #a, a_, #b, b_, \
                     t_);                                                              \
    } while (0)

#endif
