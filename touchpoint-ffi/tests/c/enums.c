/* Every enum field and parameter the caller writes is a checked uint32_t code, every flag a
 * uint8_t of 0 or 1: out-of-range values are INVALID_ARGUMENT naming the field, never undefined
 * behaviour. Also the options that came with them (conversion label, feedback column, time unit,
 * delimiter, path CSV options, exact Shapley). */
#include "check.h"

#define EXPECT_INVALID(expr, field)                       \
  do {                                                    \
    CHECK_CODE((expr), TOUCHPOINT_RESULT_INVALID_ARGUMENT); \
    EXPECT_MESSAGE(field);                                \
  } while (0)

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
}

static void events_and_journeys(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/enum_events.csv", dir);
  write_file(path,
             "user;channel;t;score\n"
             "a;search;1;\n"
             "a;email;2;9\n"
             "a;purchase;3;\n"
             "b;search;1;\n");
  touchpoint_event_table *ev = NULL;
  touchpoint_event_csv_options o = touchpoint_event_csv_options_default();
  CHECK(o.time_unit == TOUCHPOINT_TIME_UNIT_MILLISECONDS);
  o.customer = "user";
  o.customer_len = 4;
  o.touchpoint = "channel";
  o.touchpoint_len = 7;
  o.time = "t";
  o.time_len = 1;
  o.feedback = "score";
  o.feedback_len = 5;
  o.conversion_label = "purchase";
  o.conversion_label_len = 8;
  o.delimiter = ';';

  o.time_unit = 4;
  EXPECT_INVALID(touchpoint_event_table_read_csv(path, strlen(path), &o, &ev), "options.time_unit");
  o.time_unit = 0xFFFFFFFFu;
  EXPECT_INVALID(touchpoint_event_table_read_csv(path, strlen(path), &o, &ev), "options.time_unit");
  o.time_unit = TOUCHPOINT_TIME_UNIT_SECONDS;
  o.delimiter = '"';
  EXPECT_INVALID(touchpoint_event_table_read_csv(path, strlen(path), &o, &ev), "delimiter");
  CHECK(ev == NULL);
  o.delimiter = ';';
  o.conversion = "converted"; /* not in the file: the label wins over the flag column */
  o.conversion_len = 9;
  CHECK_OK(touchpoint_event_table_read_csv(path, strlen(path), &o, &ev));
  size_t n = 0;
  CHECK_OK(touchpoint_event_table_len(ev, &n));
  CHECK(n == 4);

  touchpoint_journeys *j = NULL;
  touchpoint_journey_options jo = touchpoint_journey_options_default();
  jo.collapse_repeats = 2;
  EXPECT_INVALID(touchpoint_journeys_build(ev, &jo, &j), "options.collapse_repeats");
  jo.collapse_repeats = 1;
  jo.split_at_conversions = 2;
  EXPECT_INVALID(touchpoint_journeys_build(ev, &jo, &j), "options.split_at_conversions");
  CHECK(j == NULL);
  jo.split_at_conversions = 1;
  jo.lookback_ms = 1500; /* seconds: the search touch at t=1 s is 2 s before the purchase */
  CHECK_OK(touchpoint_journeys_build(ev, &jo, &j));
  touchpoint_journey_report rep;
  CHECK_OK(touchpoint_journeys_report(j, &rep));
  CHECK(rep.conversions_in == 1 && rep.journeys_converting == 1 && rep.touches_outside_lookback == 1);
  CHECK(rep.customers == 2 && rep.customers_resorted == 0);

  /* model parameters: every enum field and the flag */
  touchpoint_comparison *cmp = NULL;
  touchpoint_model_params p = touchpoint_model_params_default();
  p.allocation = 2;
  EXPECT_INVALID(touchpoint_attribute_journeys(j, S("markov"), &p, &cmp), "params.allocation");
  p.allocation = TOUCHPOINT_MARKOV_ALLOCATION_PER_JOURNEY;
  p.value_basis = 2;
  EXPECT_INVALID(touchpoint_attribute_journeys(j, S("markov"), &p, &cmp), "params.value_basis");
  p.value_basis = TOUCHPOINT_VALUE_BASIS_VALUE_REMOVAL_EFFECT;
  p.shapley_method = 3;
  EXPECT_INVALID(touchpoint_attribute_journeys(j, S("shapley_rate"), &p, &cmp), "params.shapley_method");
  p.shapley_method = TOUCHPOINT_SHAPLEY_METHOD_SAMPLED;
  p.shapley_samples = 0;
  EXPECT_INVALID(touchpoint_attribute_journeys(j, S("shapley_rate"), &p, &cmp), "`samples` = 0");
  p.shapley_method = TOUCHPOINT_SHAPLEY_METHOD_EXACT;
  p.use_weights = 2;
  EXPECT_INVALID(touchpoint_attribute_journeys(j, S("position"), &p, &cmp), "params.use_weights");
  CHECK(cmp == NULL);
  p.use_weights = 1;
  p.half_life_ms = 0;
  EXPECT_INVALID(touchpoint_attribute_journeys(j, S("time_decay"), &p, &cmp), "half_life_ms");
  p.half_life_ms = 86400000;
  CHECK_OK(touchpoint_attribute_journeys(j, S("markov, shapley_rate, position, time_decay"), &p, &cmp));
  char label[256];
  CHECK_OK(touchpoint_comparison_model_label(cmp, 0, label, sizeof label, &n));
  CHECK(strstr(label, "allocation=per_journey") != NULL && strstr(label, "value_basis=value_removal_effect") != NULL);
  CHECK_OK(touchpoint_comparison_model_label(cmp, 1, label, sizeof label, &n));
  CHECK(strcmp(label, "shapley_rate(method=exact)") == 0);
  CHECK_OK(touchpoint_comparison_model_label(cmp, 3, label, sizeof label, &n));
  CHECK(strcmp(label, "time_decay(half_life_days=1)") == 0);
  touchpoint_comparison_free(cmp);

  /* the graph's enum parameter */
  touchpoint_journey_graph *g = NULL;
  char buf[4096];
  CHECK_OK(touchpoint_journey_graph_from_journeys(j, 1, &g));
  EXPECT_INVALID(touchpoint_journey_graph_prioritize_json(g, 0.5, 2, buf, sizeof buf, &n), "`by`");
  CHECK_OK(touchpoint_journey_graph_prioritize_json(g, 0.5, TOUCHPOINT_PRIORITIZE_BY_STATE, buf, sizeof buf, &n));
  CHECK(strstr(buf, "\"state_id\"") != NULL);
  touchpoint_journey_graph_free(g);
  touchpoint_journeys_free(j);
  touchpoint_event_table_free(ev);
  remove(path);
}

static void path_tables(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/enum_paths.csv", dir);
  write_file(path, "route|conv|lost\nC1 / C2|1|0\nC2|0|2\n");
  touchpoint_path_table *p = NULL;
  touchpoint_path_csv_options o = touchpoint_path_csv_options_default();
  o.path = "route";
  o.path_len = 5;
  o.conversions = "conv";
  o.conversions_len = 4;
  o.nulls = "lost";
  o.nulls_len = 4;
  o.separator = "/";
  o.separator_len = 1;
  o.delimiter = '|';
  CHECK_OK(touchpoint_path_table_read_csv(path, strlen(path), &o, &p));
  size_t n = 0;
  CHECK_OK(touchpoint_path_table_len(p, &n));
  CHECK(n == 2);
  char buf[4096];
  EXPECT_INVALID(touchpoint_path_table_top_paths_json(p, 1, 3, buf, sizeof buf, &n), "`by`");
  CHECK_OK(touchpoint_path_table_top_paths_json(p, 5, TOUCHPOINT_PATH_RANK_VALUE, buf, sizeof buf, &n));
  CHECK(strstr(buf, "\"touches\": 2") != NULL && strstr(buf, "\"remainder\": false") != NULL);
  touchpoint_path_table_free(p);
  remove(path);
}

static void budget(void) {
  touchpoint_curve c = {"x", 1, TOUCHPOINT_CURVE_KIND_HILL, 10, 0.5, 5, NULL, 0, 0, NAN, NAN};
  touchpoint_objective obj = {TOUCHPOINT_OBJECTIVE_KIND_BUDGET, 10, 0, 0};
  touchpoint_budget_plan *plan = NULL;
  c.kind = 4;
  EXPECT_INVALID(touchpoint_allocate_budget(&c, 1, &obj, 1.0, TOUCHPOINT_SOLVER_AUTO, &plan), "curves[].kind");
  c.kind = TOUCHPOINT_CURVE_KIND_HILL;
  obj.kind = 3;
  EXPECT_INVALID(touchpoint_allocate_budget(&c, 1, &obj, 1.0, TOUCHPOINT_SOLVER_AUTO, &plan), "objective.kind");
  obj.kind = TOUCHPOINT_OBJECTIVE_KIND_BUDGET;
  EXPECT_INVALID(touchpoint_allocate_budget(&c, 1, &obj, 1.0, 4, &plan), "`solver`");
  CHECK(plan == NULL);
  CHECK_OK(touchpoint_allocate_budget(&c, 1, &obj, 1.0, TOUCHPOINT_SOLVER_WATER_FILLING, &plan));
  char buf[4096];
  size_t n = 0;
  CHECK_OK(touchpoint_budget_plan_table_json(plan, buf, sizeof buf, &n));
  CHECK(strstr(buf, "\"marginal_response\"") != NULL);
  touchpoint_budget_plan_free(plan);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  events_and_journeys(dir);
  path_tables(dir);
  budget();
  if (failures) {
    fprintf(stderr, "enums: %d failures\n", failures);
    return 1;
  }
  printf("enums: every enum code and flag out of range is INVALID_ARGUMENT naming the field\n");
  return 0;
}
