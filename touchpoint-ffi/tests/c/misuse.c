/* Misuse: every mistake gets its documented code and a message, and the process keeps running. */
#include "check.h"

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  touchpoint_event_table *ev = NULL;
  touchpoint_journeys *j = NULL;
  touchpoint_comparison *cmp = NULL;
  size_t n = 0;

  /* NULL handles and strings */
  CHECK_CODE(touchpoint_event_table_new(NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("`out`");
  CHECK_CODE(touchpoint_event_table_push(NULL, S("c"), S("x"), 0, false, 0, NAN), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_journeys_build(NULL, NULL, &j), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK(j == NULL); /* out-parameters untouched on error */
  CHECK_OK(touchpoint_event_table_new(&ev));
  CHECK_CODE(touchpoint_event_table_push(ev, NULL, 3, S("x"), 0, false, 0, NAN), TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("`customer`");

  /* invalid UTF-8 */
  const char bad[] = {'a', (char)0xff, 'b'};
  CHECK_CODE(touchpoint_event_table_push(ev, S("c"), bad, 3, 0, false, 0, NAN), TOUCHPOINT_RESULT_INVALID_UTF8);
  EXPECT_MESSAGE("`touchpoint`");

  /* bad values name the field and row */
  CHECK_CODE(touchpoint_event_table_push(ev, S("c"), S("x"), 0, true, -5.0, NAN), TOUCHPOINT_RESULT_INVALID_VALUE);
  EXPECT_MESSAGE("value");
  CHECK_CODE(touchpoint_event_table_push(ev, S("c"), S("x"), 0, false, 0, 42.0), TOUCHPOINT_RESULT_INVALID_VALUE);
  EXPECT_MESSAGE("feedback");

  /* zero-length input */
  CHECK_CODE(touchpoint_journeys_build(ev, NULL, &j), TOUCHPOINT_RESULT_EMPTY_INPUT);
  EXPECT_MESSAGE("empty");

  /* unknown model name, no conversions */
  CHECK_OK(touchpoint_event_table_push(ev, S("c"), S("x"), 0, false, 0, NAN));
  CHECK_OK(touchpoint_journeys_build(ev, NULL, &j));
  CHECK_CODE(touchpoint_attribute_journeys(j, S("magic"), NULL, &cmp), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("magic");
  CHECK_CODE(touchpoint_attribute_journeys(j, S("linear"), NULL, &cmp), TOUCHPOINT_RESULT_MODEL_NOT_APPLICABLE);
  EXPECT_MESSAGE("no conversions");
  CHECK(cmp == NULL);
  touchpoint_model_params p = touchpoint_model_params_default();
  p.order = 0;
  CHECK_CODE(touchpoint_attribute_journeys(j, S("markov"), &p, &cmp), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("order");

  /* malformed CSVs */
  char path[4096];
  touchpoint_path_table *paths = NULL;
  snprintf(path, sizeof path, "%s/bad_paths.csv", dir);
  FILE *f = fopen(path, "w");
  fputs("path,total_conversions,total_null\na > b,1,-3\n", f);
  fclose(f);
  CHECK_CODE(touchpoint_path_table_read_csv(path, strlen(path), NULL, &paths), TOUCHPOINT_RESULT_INVALID_VALUE);
  EXPECT_MESSAGE("line 2");
  snprintf(path, sizeof path, "%s/bad_events.csv", dir);
  f = fopen(path, "w");
  fputs("customer_id,touchpoint,timestamp,converted\nc,x,not-a-time,0\n", f);
  fclose(f);
  touchpoint_event_table *ev2 = NULL;
  CHECK_CODE(touchpoint_event_table_read_csv(path, strlen(path), NULL, &ev2), TOUCHPOINT_RESULT_INVALID_VALUE);
  EXPECT_MESSAGE("not-a-time");
  f = fopen(path, "w");
  fputs("customer_id,touchpoint,when\nc,x,1\n", f);
  fclose(f);
  CHECK_CODE(touchpoint_event_table_read_csv(path, strlen(path), NULL, &ev2), TOUCHPOINT_RESULT_SCHEMA);
  EXPECT_MESSAGE("timestamp");
  CHECK_CODE(touchpoint_path_table_read_csv(S("/nonexistent/file.csv"), NULL, &paths), TOUCHPOINT_RESULT_IO);
  CHECK(paths == NULL && ev2 == NULL);

  /* buffer too small */
  CHECK_OK(touchpoint_event_table_push(ev, S("c"), S("y"), 1, true, 10.0, NAN));
  touchpoint_journeys_free(j);
  CHECK_OK(touchpoint_journeys_build(ev, NULL, &j));
  CHECK_OK(touchpoint_attribute_journeys(j, S("linear"), NULL, &cmp));
  char small[8];
  CHECK_CODE(touchpoint_comparison_to_json(cmp, small, sizeof small, &n), TOUCHPOINT_RESULT_BUFFER_TOO_SMALL);
  CHECK(n > sizeof small);
  EXPECT_MESSAGE("needed");
  touchpoint_credit c;
  CHECK_CODE(touchpoint_comparison_row(cmp, 0, 99, &c), TOUCHPOINT_RESULT_OUT_OF_RANGE);
  CHECK_CODE(touchpoint_comparison_rows(cmp, 7, &n), TOUCHPOINT_RESULT_OUT_OF_RANGE);

  /* read-only events */
  const char *csv = "customer_id,touchpoint,timestamp,converted\nc,x,2024-01-01,1\n";
  snprintf(path, sizeof path, "%s/good_events.csv", dir);
  f = fopen(path, "w");
  fputs(csv, f);
  fclose(f);
  CHECK_OK(touchpoint_event_table_read_csv(path, strlen(path), NULL, &ev2));
  CHECK_CODE(touchpoint_event_table_push(ev2, S("c"), S("x"), 0, false, 0, NAN), TOUCHPOINT_RESULT_INVALID_STATE);

  /* a successful call clears the message */
  CHECK_OK(touchpoint_event_table_len(ev2, &n));
  CHECK(n == 1);
  CHECK_OK(touchpoint_last_error_message(small, sizeof small, &n));
  CHECK(n == 0);

  CHECK(strcmp(touchpoint_result_str(TOUCHPOINT_RESULT_PANIC), "TOUCHPOINT_RESULT_PANIC") == 0);
  CHECK(strcmp(touchpoint_result_str(12345), "TOUCHPOINT_RESULT_UNKNOWN") == 0);

  /* free(NULL) is a no-op */
  touchpoint_event_table_free(NULL);
  touchpoint_journeys_free(NULL);
  touchpoint_path_table_free(NULL);
  touchpoint_comparison_free(NULL);
  touchpoint_journey_graph_free(NULL);
  touchpoint_string_free(NULL);

  touchpoint_comparison_free(cmp);
  touchpoint_journeys_free(j);
  touchpoint_event_table_free(ev);
  touchpoint_event_table_free(ev2);
  if (failures) {
    fprintf(stderr, "misuse: %d failures\n", failures);
    return 1;
  }
  printf("misuse: every mistake reported with its code and message\n");
  return 0;
}
