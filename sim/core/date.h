/* Civil dates: the one conversion between proleptic Gregorian dates and day counts that
 * every module uses (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms", 2013: exact
 * for any year), and the month names. */
#ifndef CFX_DATE_H
#define CFX_DATE_H

/* January first. */
extern const char *const cfx_month_names[12];

/* Days from 1970-01-01 to y-m-d. */
long cfx_days_from_civil(long y, int m, int d);
/* The date of day z (days from 1970-01-01). */
void cfx_civil_from_days(long z, long *y, int *m, int *d);
/* 1 when y-m-d is a date (years 1 to 9999). */
int cfx_date_valid(long y, int m, int d);
/* "YYYY-MM-DD" of day z (days from 1970-01-01) into buf (at least 16 bytes). */
void cfx_date_iso(long z, char *buf);
/* Reads "YYYY-MM-DD" (a valid date) into *out, days from 1970-01-01: 0, or -1. */
int cfx_date_parse_iso(const char *s, long *out);

#endif
