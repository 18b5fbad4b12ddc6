/* Your own data through the C face: a clickstream whose purchases are events, the note about a
 * touchpoint that is the conversion, epoch seconds read with the default unit, a `;` file, a
 * misspelt name, the text report, prioritising by stage, and a progress callback that stops a
 * long call. argv[1]: a directory for scratch files. */
#include "check.h"

static void push(touchpoint_event_table *ev, const char *cust, const char *tp, int64_t t, bool conv, double v) {
  CHECK_OK(touchpoint_event_table_push(ev, cust, strlen(cust), tp, tp ? strlen(tp) : 0, t, conv, v, NAN));
}

/* 30 customers: an ad or an email, a site visit, and every third one a `purchase` event worth 10. */
static touchpoint_event_table *clickstream(bool flag_purchases) {
  touchpoint_event_table *ev = NULL;
  CHECK_OK(touchpoint_event_table_new(&ev));
  for (int c = 0; c < 30; c++) {
    char cust[16];
    snprintf(cust, sizeof cust, "c%d", c);
    int64_t day = 86400000LL * c;
    push(ev, cust, c % 2 ? "email" : "search ad", day, false, 0.0);
    push(ev, cust, "site", day + 1000, false, 0.0);
    if (c % 3 == 0) push(ev, cust, "purchase", day + 2000, flag_purchases, 10.0);
  }
  return ev;
}

static int calls = 0;
static uint64_t last_done = 0, last_total = 0;

static int32_t stop_at_once(const char *stage, uint64_t done, uint64_t total, void *user) {
  (void)stage; (void)done; (void)total;
  (*(int *)user)++;
  return 0;
}

static int32_t count_calls(const char *stage, uint64_t done, uint64_t total, void *user) {
  (void)user;
  if (strcmp(stage, "states") == 0) {
    calls++;
    last_done = done;
    last_total = total;
  }
  return 1;
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) { perror(path); exit(1); }
  fputs(text, f);
  fclose(f);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  char path[1024];

  /* the conversion as an event: its rows become conversions, it takes no credit */
  touchpoint_event_table *clicks = clickstream(false), *conv = NULL;
  const char *names[] = {"purchase"};
  size_t turned = 0;
  CHECK_OK(touchpoint_event_table_with_conversion_events(clicks, names, 1, &conv, &turned));
  CHECK(turned == 10);
  touchpoint_journeys *j = NULL;
  CHECK_OK(touchpoint_journeys_build(conv, NULL, &j));
  touchpoint_journey_report rep;
  CHECK_OK(touchpoint_journeys_report(j, &rep));
  CHECK(rep.journeys_converting == 10);
  touchpoint_comparison *last = NULL;
  CHECK_OK(touchpoint_attribute_journeys(j, S("last"), NULL, &last));
  CHECK_NEAR(credit(last, 0, "site", 0), 10.0, 0.0);
  CHECK_NEAR(credit(last, 0, "site", 1), 100.0, 1e-12); /* the purchase events' values */
  CHECK(isnan(credit(last, 0, "purchase", 0)));
  touchpoint_comparison_free(last);

  /* a misspelt event name: INVALID_ARGUMENT with a suggestion, no handle */
  const char *typo[] = {"purchse"};
  touchpoint_event_table *none = NULL;
  CHECK_CODE(touchpoint_event_table_with_conversion_events(clicks, typo, 1, &none, NULL),
             TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("did you mean \"purchase\"?");
  CHECK(none == NULL);
  CHECK_CODE(touchpoint_event_table_with_conversion_events(clicks, NULL, 0, &none, NULL),
             TOUCHPOINT_RESULT_INVALID_ARGUMENT);

  /* the workaround that keeps `purchase` as a touchpoint gets a note; the fixed data none */
  touchpoint_event_table *flagged = clickstream(true);
  char *notes = NULL;
  CHECK_OK(touchpoint_event_table_notes_json(flagged, &notes));
  CHECK(strstr(notes, "\\\"purchase\\\" looks like the conversion itself") != NULL);
  CHECK(strstr(notes, "conversion_event") != NULL);
  touchpoint_string_free(notes);
  CHECK_OK(touchpoint_event_table_notes_json(conv, &notes));
  CHECK(strcmp(notes, "[]") == 0);
  touchpoint_string_free(notes);

  /* the text report of one's own data */
  char *text = NULL;
  CHECK_OK(touchpoint_report_text(conv, NULL, 1, &text));
  CHECK(strstr(text, "== Dataset ==") != NULL && strstr(text, "== Journey graph (Markov order 1) ==") != NULL);
  CHECK(strstr(text, "\n  purchase ") == NULL); /* not a row of the touchpoint table */
  touchpoint_string_free(text);

  /* prioritise by stage: refused without stages, ranked with them */
  touchpoint_journey_graph *g = NULL;
  CHECK_OK(touchpoint_journey_graph_from_journeys(j, 1, &g));
  char buf[8192];
  size_t n = 0;
  CHECK_CODE(touchpoint_journey_graph_prioritize_json(g, 0.1, TOUCHPOINT_PRIORITIZE_BY_STAGE, buf, sizeof buf, &n),
             TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("the catalog has no stages");
  CHECK_CODE(touchpoint_journey_graph_prioritize_json(g, 0.1, 7, buf, sizeof buf, &n),
             TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  touchpoint_journey_graph_free(g);
  CHECK_OK(touchpoint_event_table_apply_catalog_json(conv, S("[{\"name\": \"search ad\", \"stage\": \"awareness\"}, "
                                                             "{\"name\": \"site\", \"stage\": \"first_interaction\"}]")));
  touchpoint_journeys_free(j);
  CHECK_OK(touchpoint_journeys_build(conv, NULL, &j));
  CHECK_OK(touchpoint_journey_graph_from_journeys(j, 1, &g));
  CHECK_OK(touchpoint_journey_graph_prioritize_json(g, 0.1, TOUCHPOINT_PRIORITIZE_BY_STAGE, buf, sizeof buf, &n));
  if (strstr(buf, "\"stage\": \"first_interaction\"") == NULL || strstr(buf, "\"stage\": \"awareness\"") == NULL) {
    fprintf(stderr, "prioritize by stage: %s\n", buf);
    failures++;
  }

  /* a progress callback: it sees the states counted, and returning 0 stops the call */
  int stops = 0;
  CHECK_OK(touchpoint_progress_set(stop_at_once, &stops, 0));
  CHECK_CODE(touchpoint_journey_graph_prioritize_json(g, 0.1, TOUCHPOINT_PRIORITIZE_BY_STATE, buf, sizeof buf, &n),
             TOUCHPOINT_RESULT_CANCELLED);
  EXPECT_MESSAGE("cancelled while counting states");
  CHECK(stops == 1);
  CHECK_OK(touchpoint_progress_set(count_calls, NULL, 0));
  CHECK_OK(touchpoint_journey_graph_prioritize_json(g, 0.1, TOUCHPOINT_PRIORITIZE_BY_STATE, buf, sizeof buf, &n));
  CHECK(calls >= 2 && last_done == last_total && last_total > 0);
  CHECK_OK(touchpoint_progress_set(NULL, NULL, 0));
  int before = calls;
  CHECK_OK(touchpoint_journey_graph_prioritize_json(g, 0.1, TOUCHPOINT_PRIORITIZE_BY_STATE, buf, sizeof buf, &n));
  CHECK(calls == before);
  touchpoint_journey_graph_free(g);

  /* epoch seconds read as milliseconds: the error says which unit to pass */
  snprintf(path, sizeof path, "%s/own_data_seconds.csv", dir);
  write_file(path, "customer_id,touchpoint,timestamp,converted\nc,ad,1700000000,0\nc,site,1700003600,1\n");
  touchpoint_event_table *secs = NULL;
  CHECK_CODE(touchpoint_event_table_read_csv(path, strlen(path), NULL, &secs), TOUCHPOINT_RESULT_INVALID_VALUE);
  EXPECT_MESSAGE("pass time_unit='s'");
  touchpoint_event_csv_options o = touchpoint_event_csv_options_default();
  o.time_unit = TOUCHPOINT_TIME_UNIT_SECONDS;
  CHECK_OK(touchpoint_event_table_read_csv(path, strlen(path), &o, &secs));
  touchpoint_event_table_free(secs);

  /* a `;` path file read with commas: the error names the delimiter to pass */
  snprintf(path, sizeof path, "%s/own_data_paths.csv", dir);
  write_file(path, "path;total_conversions\nad > site;3\n");
  touchpoint_path_table *pt = NULL;
  CHECK_CODE(touchpoint_path_table_read_csv(path, strlen(path), NULL, &pt), TOUCHPOINT_RESULT_SCHEMA);
  EXPECT_MESSAGE("pass delimiter=';'");
  CHECK(pt == NULL);

  touchpoint_journeys_free(j);
  touchpoint_event_table_free(flagged);
  touchpoint_event_table_free(conv);
  touchpoint_event_table_free(clicks);
  if (failures) fprintf(stderr, "own_data: %d failures\n", failures);
  else printf("own_data: ok\n");
  return failures ? 1 : 0;
}
