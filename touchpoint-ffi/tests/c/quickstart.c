/* The README's C quickstart: events in, Markov attribution out. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "touchpoint.h"

#define S(lit) (lit), (sizeof(lit) - 1)

int main(void) {
  touchpoint_event_table *ev = NULL;
  touchpoint_journeys *journeys = NULL;
  touchpoint_comparison *cmp = NULL;
  if (touchpoint_event_table_new(&ev) != TOUCHPOINT_RESULT_OK) return 1;
  touchpoint_event_table_push(ev, S("ann"), S("search ad"), 0, false, 0.0, NAN);
  touchpoint_event_table_push(ev, S("ann"), S("email"), 3600000, true, 120.0, NAN);
  touchpoint_event_table_push(ev, S("bob"), S("display"), 0, false, 0.0, NAN);
  touchpoint_result r = touchpoint_journeys_build(ev, NULL, &journeys);
  if (r == TOUCHPOINT_RESULT_OK) r = touchpoint_attribute_journeys(journeys, S("markov"), NULL, &cmp);
  if (r != TOUCHPOINT_RESULT_OK) {
    char msg[512]; size_t n;
    touchpoint_last_error_message(msg, sizeof msg, &n);
    fprintf(stderr, "%s: %s\n", touchpoint_result_str(r), msg);
  } else {
    size_t rows = 0;
    touchpoint_comparison_rows(cmp, 0, &rows);
    for (size_t i = 0; i < rows; i++) {
      touchpoint_credit c;
      touchpoint_comparison_row(cmp, 0, i, &c);
      printf("%-10s %6.2f conversions %8.2f value\n", c.touchpoint, c.conversions, c.value);
    }
  }
  touchpoint_comparison_free(cmp);
  touchpoint_journeys_free(journeys);
  touchpoint_event_table_free(ev);
  return r == TOUCHPOINT_RESULT_OK ? 0 : 1;
}
