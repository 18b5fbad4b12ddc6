/* ORACLES E1, E2 and E8 through the C API, and path-table / journey tools. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, close */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"

static touchpoint_path_table *table(const char *const *paths, const double *conv, const double *nulls, size_t n) {
  touchpoint_path_table *p = NULL;
  CHECK_OK(touchpoint_path_table_new(&p));
  for (size_t i = 0; i < n; i++) {
    CHECK_OK(touchpoint_path_table_add(p, paths[i], strlen(paths[i]), S(">"), conv[i], nulls[i], 0.0));
  }
  return p;
}

static void e1(void) {
  const char *paths[] = {"C1 > C2 > C3", "C1", "C2 > C3"};
  const double conv[] = {1, 0, 0}, nulls[] = {0, 1, 1};
  touchpoint_path_table *p = table(paths, conv, nulls, 3);
  for (uint32_t order = 1; order <= 2; order++) {
    touchpoint_model_params params = touchpoint_model_params_default();
    params.order = order;
    touchpoint_comparison *cmp = NULL;
    CHECK_OK(touchpoint_attribute_paths(p, S("markov"), &params, &cmp));
    CHECK_NEAR(credit(cmp, 0, "C1", 0), 0.2, 1e-9);
    CHECK_NEAR(credit(cmp, 0, "C2", 0), 0.4, 1e-9);
    CHECK_NEAR(credit(cmp, 0, "C3", 0), 0.4, 1e-9);
    touchpoint_comparison_free(cmp);
    touchpoint_journey_graph *g = NULL;
    CHECK_OK(touchpoint_journey_graph_from_paths(p, order, &g));
    double prob = 0;
    CHECK_OK(touchpoint_journey_graph_conversion_probability(g, &prob));
    CHECK_NEAR(prob, 1.0 / 3.0, 1e-12);
    touchpoint_journey_graph_free(g);
  }
  touchpoint_path_table_free(p);
}

static void e2(void) {
  const char *paths[] = {"GA", "M", "GA > M", "GA"};
  const double conv[] = {2, 1, 1, 0}, nulls[] = {0, 0, 0, 1};
  touchpoint_path_table *p = table(paths, conv, nulls, 4);
  touchpoint_comparison *cmp = NULL;
  CHECK_OK(touchpoint_attribute_paths(p, S("markov"), NULL, &cmp));
  CHECK_NEAR(credit(cmp, 0, "GA", 0), 2.4, 1e-9);
  CHECK_NEAR(credit(cmp, 0, "M", 0), 1.6, 1e-9);
  touchpoint_credit c;
  CHECK_OK(touchpoint_comparison_row(cmp, 0, 0, &c));
  CHECK_NEAR(c.removal_effect, 0.75, 1e-9);
  touchpoint_comparison_free(cmp);
  touchpoint_model_params params = touchpoint_model_params_default();
  params.allocation = TOUCHPOINT_MARKOV_ALLOCATION_PER_JOURNEY;
  CHECK_OK(touchpoint_attribute_paths(p, S("markov"), &params, &cmp));
  CHECK_NEAR(credit(cmp, 0, "GA", 0), 2.6, 1e-9);
  CHECK_NEAR(credit(cmp, 0, "M", 0), 1.4, 1e-9);
  touchpoint_comparison_free(cmp);
  touchpoint_path_table_free(p);
}

static touchpoint_event_table *e8_events(void) {
  const int64_t day = 86400000;
  touchpoint_event_table *ev = NULL;
  CHECK_OK(touchpoint_event_table_new(&ev));
  CHECK_OK(touchpoint_event_table_push(ev, S("v"), S("paid search"), -9 * day, false, 0.0, NAN));
  CHECK_OK(touchpoint_event_table_push(ev, S("v"), S("social"), -6 * day, false, 0.0, NAN));
  /* email, then display, on the purchase day: events at one instant are in the canonical
     order (by name), so the example's order is in the times */
  CHECK_OK(touchpoint_event_table_push(ev, S("v"), S("email"), -2, false, 0.0, NAN));
  CHECK_OK(touchpoint_event_table_push(ev, S("v"), S("display"), -1, false, 0.0, NAN));
  CHECK_OK(touchpoint_event_table_push(ev, S("v"), NULL, 0, 0, true, 50.0, NAN)); /* the purchase */
  return ev;
}

static void e8(void) {
  touchpoint_event_table *ev = e8_events();
  touchpoint_journeys *j = NULL;
  CHECK_OK(touchpoint_journeys_build(ev, NULL, &j));
  touchpoint_comparison *cmp = NULL;
  CHECK_OK(touchpoint_attribute_journeys(j, S("first, linear, j_shaped, time_decay, participation"), NULL, &cmp));
  size_t models = 0;
  CHECK_OK(touchpoint_comparison_models(cmp, &models));
  CHECK(models == 5);
  CHECK_NEAR(credit(cmp, 0, "paid search", 1), 50.0, 1e-9);
  CHECK_NEAR(credit(cmp, 1, "social", 1), 12.5, 1e-9);
  CHECK_NEAR(credit(cmp, 2, "display", 1), 30.0, 1e-9);
  CHECK_NEAR(credit(cmp, 2, "paid search", 1), 10.0, 1e-9);
  CHECK_NEAR(credit(cmp, 2, "email", 1), 5.0, 1e-9);
  CHECK_NEAR(credit(cmp, 3, "display", 1), 16.88, 0.005);
  CHECK_NEAR(credit(cmp, 3, "social", 1), 9.32, 0.005);
  CHECK_NEAR(credit(cmp, 3, "paid search", 1), 6.92, 0.005);
  CHECK_NEAR(credit(cmp, 4, "email", 1), 50.0, 1e-9);
  touchpoint_totals t;
  CHECK_OK(touchpoint_comparison_totals(cmp, 4, &t));
  CHECK(!t.efficient);
  CHECK_NEAR(t.total_value, 50.0, 1e-12);
  /* JSON: size query, then the text */
  size_t n = 0;
  CHECK_CODE(touchpoint_comparison_to_json(cmp, NULL, 0, &n), TOUCHPOINT_RESULT_BUFFER_TOO_SMALL);
  char *buf = malloc(n + 1);
  CHECK_OK(touchpoint_comparison_to_json(cmp, buf, n + 1, &n));
  CHECK(strlen(buf) == n && strstr(buf, "\"time_decay\"") != NULL);
  free(buf);
  char *owned = NULL;
  CHECK_OK(touchpoint_comparison_to_json_string(cmp, &owned));
  CHECK(strstr(owned, "\"participation\"") != NULL);
  touchpoint_string_free(owned);
  char name[128];
  CHECK_OK(touchpoint_comparison_model_label(cmp, 3, name, sizeof name, &n));
  CHECK(strcmp(name, "time_decay(half_life_days=7)") == 0);
  CHECK_OK(touchpoint_comparison_model_name(cmp, 3, name, sizeof name, &n));
  CHECK(strcmp(name, "time_decay") == 0 && n == 10);
  touchpoint_comparison_free(cmp);
  touchpoint_journeys_free(j);

  /* first touch with a 1-day lookback: email gets the $50 */
  touchpoint_journey_options o = touchpoint_journey_options_default();
  o.lookback_ms = 86400000;
  CHECK_OK(touchpoint_journeys_build(ev, &o, &j));
  touchpoint_journey_report rep;
  CHECK_OK(touchpoint_journeys_report(j, &rep));
  CHECK(rep.touches_outside_lookback == 2);
  CHECK_OK(touchpoint_attribute_journeys(j, S("first"), NULL, &cmp));
  CHECK_NEAR(credit(cmp, 0, "email", 1), 50.0, 1e-9);
  touchpoint_comparison_free(cmp);

  /* one journey per customer up to the last conversion */
  touchpoint_journeys *merged = NULL;
  touchpoint_journey_options m = touchpoint_journey_options_default();
  CHECK(m.split_at_conversions);
  m.split_at_conversions = 0;
  CHECK_OK(touchpoint_event_table_push(ev, S("v"), S("email"), 86400000, false, 0.0, NAN));
  CHECK_OK(touchpoint_event_table_push(ev, S("v"), NULL, 0, 2 * 86400000, true, 30.0, NAN));
  CHECK_OK(touchpoint_journeys_build(ev, &m, &merged));
  CHECK_OK(touchpoint_journeys_report(merged, &rep));
  CHECK(rep.conversions_merged == 1 && rep.journeys_converting == 1);
  touchpoint_journeys_free(merged);

  /* directly-follows graph keeps the repeat as a self-loop */
  touchpoint_event_table *rep_ev = NULL;
  touchpoint_journeys *rep_j = NULL;
  touchpoint_journey_graph *dfg = NULL;
  char dot[4096];
  CHECK_OK(touchpoint_event_table_new(&rep_ev));
  CHECK_OK(touchpoint_event_table_push(rep_ev, S("r"), S("email"), 0, false, 0.0, NAN));
  CHECK_OK(touchpoint_event_table_push(rep_ev, S("r"), S("email"), 1, true, 1.0, NAN));
  CHECK_OK(touchpoint_journeys_build(rep_ev, NULL, &rep_j));
  CHECK_OK(touchpoint_journey_graph_directly_follows(rep_j, &dfg));
  CHECK_OK(touchpoint_journey_graph_to_dot(dfg, dot, sizeof dot, &n));
  CHECK(strstr(dot, "\"email\" -> \"email\"") != NULL);
  touchpoint_journey_graph_free(dfg);
  touchpoint_journeys_free(rep_j);
  touchpoint_event_table_free(rep_ev);

  /* graph summary and DOT */
  touchpoint_journey_graph *g = NULL;
  CHECK_OK(touchpoint_journey_graph_from_journeys(j, 1, &g));
  CHECK_CODE(touchpoint_journey_graph_to_dot(g, NULL, 0, &n), TOUCHPOINT_RESULT_BUFFER_TOO_SMALL);
  buf = malloc(n + 1);
  CHECK_OK(touchpoint_journey_graph_to_dot(g, buf, n + 1, &n));
  CHECK(strncmp(buf, "digraph journeys {", 18) == 0);
  free(buf);
  CHECK_CODE(touchpoint_journey_graph_summary_json(g, NULL, 0, &n), TOUCHPOINT_RESULT_BUFFER_TOO_SMALL);
  buf = malloc(n + 1);
  CHECK_OK(touchpoint_journey_graph_summary_json(g, buf, n + 1, &n));
  CHECK(strstr(buf, "\"removal_effects\"") != NULL);
  free(buf);
  touchpoint_journey_graph_free(g);
  touchpoint_journeys_free(j);
  touchpoint_event_table_free(ev);
}

/* Path tables: merge, top paths, Sankey, CSV export and re-import; journeys: merge. */
static void tables(void) {
  const char *pa[] = {"C1 > C2 > C3", "C1"};
  const double ca[] = {1, 0}, na[] = {0, 1};
  const char *pb[] = {"C2 > C3", "C1"};
  const double cb[] = {0, 0}, nb[] = {1, 2};
  touchpoint_path_table *a = table(pa, ca, na, 2), *b = table(pb, cb, nb, 2), *m = NULL;
  CHECK_OK(touchpoint_path_table_merge(a, b, &m));
  size_t len = 0, n = 0;
  CHECK_OK(touchpoint_path_table_len(m, &len));
  CHECK(len == 3); /* "C1" is in both: its journeys are summed */
  char buf[8192];
  CHECK_OK(touchpoint_path_table_top_paths_json(m, 1, TOUCHPOINT_PATH_RANK_JOURNEYS, buf, sizeof buf, &n));
  CHECK(strstr(buf, "\"path\": \"C1\"") != NULL && strstr(buf, "\"journeys\": 3.0") != NULL);
  CHECK(strstr(buf, "(other 2 paths)") != NULL);
  CHECK_OK(touchpoint_path_table_top_paths_json(m, 1, TOUCHPOINT_PATH_RANK_CONVERSIONS, buf, sizeof buf, &n));
  CHECK(strstr(buf, "\"path\": \"C1 > C2 > C3\"") != NULL);
  CHECK_CODE(touchpoint_path_table_top_paths_json(m, 1, TOUCHPOINT_PATH_RANK_VALUE, buf, 4, &n), TOUCHPOINT_RESULT_BUFFER_TOO_SMALL);
  CHECK_CODE(touchpoint_path_table_top_paths_json(m, 1, 7, buf, sizeof buf, &n), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("`by`");
  CHECK_OK(touchpoint_path_table_sankey_json(m, 3, 5, buf, sizeof buf, &n));
  CHECK(strstr(buf, "\"links\"") != NULL && strstr(buf, "\"nodes\"") != NULL);
  CHECK_CODE(touchpoint_path_table_sankey_json(m, 0, 5, buf, sizeof buf, &n), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  /* CSV out and back in: the same credits */
  char file[] = "/tmp/touchpoint-c-XXXXXX";
  int fd = mkstemp(file);
  CHECK(fd >= 0);
  close(fd);
  CHECK_OK(touchpoint_path_table_write_csv(m, file, strlen(file), S(">")));
  touchpoint_path_table *back = NULL;
  CHECK_OK(touchpoint_path_table_read_csv(file, strlen(file), NULL, &back));
  CHECK_OK(touchpoint_path_table_len(back, &len));
  CHECK(len == 3);
  touchpoint_comparison *r1 = NULL, *r2 = NULL;
  CHECK_OK(touchpoint_attribute_paths(m, S("markov"), NULL, &r1));
  CHECK_OK(touchpoint_attribute_paths(back, S("markov"), NULL, &r2));
  CHECK_NEAR(credit(r1, 0, "C1", 0), credit(r2, 0, "C1", 0), 1e-12);
  CHECK_NEAR(credit(r1, 0, "C3", 0), credit(r2, 0, "C3", 0), 1e-12);
  touchpoint_comparison_free(r1);
  touchpoint_comparison_free(r2);
  remove(file);
  CHECK_CODE(touchpoint_path_table_write_csv(m, S("/nonexistent-dir/x.csv"), S(">")), TOUCHPOINT_RESULT_IO);
  CHECK_CODE(touchpoint_path_table_merge(a, NULL, &back), TOUCHPOINT_RESULT_NULL_PARAMETER);
  touchpoint_path_table_free(back);
  touchpoint_path_table_free(m);
  touchpoint_path_table_free(a);
  touchpoint_path_table_free(b);

  /* journeys of disjoint customers, merged: the graph of all of them */
  touchpoint_event_table *e1 = NULL, *e2 = NULL;
  CHECK_OK(touchpoint_event_table_new(&e1));
  CHECK_OK(touchpoint_event_table_new(&e2));
  CHECK_OK(touchpoint_event_table_push(e1, S("a"), S("C1"), 0, false, 0.0, NAN));
  CHECK_OK(touchpoint_event_table_push(e1, S("a"), NULL, 0, 1, true, 10.0, NAN));
  CHECK_OK(touchpoint_event_table_push(e2, S("b"), S("C2"), 0, false, 0.0, NAN));
  touchpoint_journeys *j1 = NULL, *j2 = NULL, *jm = NULL;
  CHECK_OK(touchpoint_journeys_build(e1, NULL, &j1));
  CHECK_OK(touchpoint_journeys_build(e2, NULL, &j2));
  CHECK_OK(touchpoint_journeys_merge(j1, j2, &jm));
  touchpoint_journey_report rep;
  CHECK_OK(touchpoint_journeys_report(jm, &rep));
  CHECK(rep.events_in == 3 && rep.customers == 2 && rep.journeys_converting == 1 && rep.journeys_non_converting == 1);
  touchpoint_journey_graph *g = NULL;
  double p = 0;
  CHECK_OK(touchpoint_journey_graph_from_journeys(jm, 1, &g));
  CHECK_OK(touchpoint_journey_graph_conversion_probability(g, &p));
  CHECK_NEAR(p, 0.5, 1e-12);
  touchpoint_journey_graph_free(g);
  touchpoint_journeys_free(jm);
  touchpoint_journeys_free(j1);
  touchpoint_journeys_free(j2);
  touchpoint_event_table_free(e1);
  touchpoint_event_table_free(e2);
}

int main(void) {
  CHECK(strcmp(touchpoint_version(), TOUCHPOINT_VERSION) == 0);
  e1();
  e2();
  tables();
  e8();
  if (failures) {
    fprintf(stderr, "oracles: %d failures\n", failures);
    return 1;
  }
  printf("oracles: E1, E2, E8, table merge/export passed\n");
  return 0;
}
