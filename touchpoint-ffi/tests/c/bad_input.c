/* The bad-input catalogue of the C face (README "Bad input"): each named class of bad input
   returns its documented result code, leaves the out-parameter untouched, and the last error
   message names the field, the row or the value. Table-driven: one function per class. */
#include "check.h"

static const char *dir = ".";

/* One journey set with a conversion (email, search): what the model and graph classes use. */
static touchpoint_journeys *journeys(void) {
  touchpoint_event_table *ev = NULL;
  touchpoint_journeys *j = NULL;
  CHECK_OK(touchpoint_event_table_new(&ev));
  CHECK_OK(touchpoint_event_table_push(ev, S("a"), S("email"), 0, false, 0.0, NAN));
  CHECK_OK(touchpoint_event_table_push(ev, S("a"), NULL, 0, 1, true, 5.0, NAN));
  CHECK_OK(touchpoint_event_table_push(ev, S("b"), S("search"), 0, false, 0.0, NAN));
  CHECK_OK(touchpoint_journeys_build(ev, NULL, &j));
  touchpoint_event_table_free(ev);
  return j;
}

/* ---- events, row by row */
static touchpoint_result push(const char *c, size_t cl, const char *t, size_t tl, bool conv, double v, double fb) {
  touchpoint_event_table *ev = NULL;
  CHECK_OK(touchpoint_event_table_new(&ev));
  touchpoint_result r = touchpoint_event_table_push(ev, c, cl, t, tl, 0, conv, v, fb);
  touchpoint_event_table_free(ev);
  return r;
}
static touchpoint_result converted_byte_2(void) {
  touchpoint_event_table *ev = NULL;
  CHECK_OK(touchpoint_event_table_new(&ev));
  touchpoint_result r = touchpoint_event_table_push(ev, S("c"), S("x"), 0, 2, 0.0, NAN);
  touchpoint_event_table_free(ev);
  return r;
}
static touchpoint_result null_out(void) { return touchpoint_event_table_new(NULL); }
static touchpoint_result null_customer(void) { return push(NULL, 3, S("x"), false, 0, NAN); }
static touchpoint_result bad_utf8(void) { return push(S("c"), "a\xff" "b", 3, false, 0, NAN); }
static touchpoint_result empty_customer(void) { return push("", 0, S("x"), false, 0, NAN); }
static touchpoint_result nul_touchpoint(void) { return push(S("c"), "e\0mail", 6, false, 0, NAN); }
static touchpoint_result nul_customer(void) { return push("c\0d", 3, S("x"), false, 0, NAN); }
static touchpoint_result empty_touchpoint(void) { return push(S("c"), "", 0, false, 0, NAN); }
static touchpoint_result touch_without_touchpoint(void) { return push(S("c"), NULL, 0, false, 0, NAN); }
static touchpoint_result nan_value(void) { return push(S("c"), NULL, 0, true, NAN, NAN); }
static touchpoint_result negative_value(void) { return push(S("c"), NULL, 0, true, -5.0, NAN); }
static touchpoint_result huge_value(void) { return push(S("c"), NULL, 0, true, 1e16, NAN); }
static touchpoint_result infinite_value(void) { return push(S("c"), NULL, 0, true, INFINITY, NAN); }
static touchpoint_result feedback_range(void) { return push(S("c"), S("x"), false, 0, 42.0); }
static touchpoint_result no_events(void) {
  touchpoint_event_table *ev = NULL;
  touchpoint_journeys *j = NULL;
  CHECK_OK(touchpoint_event_table_new(&ev));
  touchpoint_result r = touchpoint_journeys_build(ev, NULL, &j);
  CHECK(j == NULL);
  touchpoint_event_table_free(ev);
  return r;
}

/* ---- events CSV */
static touchpoint_result events_csv(const char *text, const touchpoint_event_csv_options *o) {
  char path[4096];
  snprintf(path, sizeof path, "%s/bad_input_events.csv", dir);
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
  touchpoint_event_table *ev = NULL;
  touchpoint_result r = touchpoint_event_table_read_csv(path, strlen(path), o, &ev);
  CHECK(ev == NULL);
  return r;
}
#define H "customer_id,touchpoint,timestamp,converted,value\n"
static touchpoint_result csv_misspelt(void) { return events_csv("customer_id,touchpoint,timestmp,converted\na,x,1,0\n", NULL); }
static touchpoint_result csv_semicolons(void) { return events_csv("customer_id;touchpoint;timestamp;converted\na;x;1;0\n", NULL); }
static touchpoint_result csv_duplicate(void) { return events_csv("customer_id,touchpoint,timestamp,timestamp,converted\na,x,1,1,0\n", NULL); }
static touchpoint_result csv_flag_2(void) { return events_csv(H "a,x,1,2,0\n", NULL); }
static touchpoint_result csv_flag_half(void) { return events_csv(H "a,x,1,0.5,0\n", NULL); }
static touchpoint_result csv_flag_missing(void) { return events_csv(H "a,x,1,,0\n", NULL); }
static touchpoint_result csv_time(void) { return events_csv(H "a,x,yesterday,0,0\n", NULL); }
static touchpoint_result csv_time_nan(void) { return events_csv(H "a,x,NaN,0,0\n", NULL); }
static touchpoint_result csv_time_huge(void) { return events_csv(H "a,x,1e300,0,0\n", NULL); }
static touchpoint_result csv_seconds_as_ms(void) { return events_csv(H "a,x,1700000000,0,0\nb,x,1700003600,0,0\n", NULL); }
static touchpoint_result csv_value_missing(void) { return events_csv(H "a,x,1,1,\n", NULL); }
static touchpoint_result csv_ragged(void) { return events_csv(H "a,x,1,1\n", NULL); }
static touchpoint_result csv_time_unit_code(void) {
  touchpoint_event_csv_options o = touchpoint_event_csv_options_default();
  o.time_unit = 255;
  return events_csv(H "a,x,1,0,0\n", &o);
}
static touchpoint_result csv_missing_file(void) {
  touchpoint_event_table *ev = NULL;
  return touchpoint_event_table_read_csv(S("/nonexistent/events.csv"), NULL, &ev);
}

/* ---- path tables */
static touchpoint_result path_add(const char *p, size_t pl, double c, double n, double v) {
  touchpoint_path_table *t = NULL;
  CHECK_OK(touchpoint_path_table_new(&t));
  touchpoint_result r = touchpoint_path_table_add(t, p, pl, S(">"), c, n, v);
  touchpoint_path_table_free(t);
  return r;
}
static touchpoint_result path_nan_count(void) { return path_add(S("a > b"), NAN, 0, 0); }
static touchpoint_result path_inf_count(void) { return path_add(S("a > b"), INFINITY, 0, 0); }
static touchpoint_result path_huge_count(void) { return path_add(S("a > b"), 1e300, 0, 0); }
static touchpoint_result path_negative(void) { return path_add(S("a > b"), 1, -2, 0); }
static touchpoint_result path_nan_value(void) { return path_add(S("a > b"), 2, 0, NAN); }
static touchpoint_result path_empty(void) { return path_add(S(" > "), 1, 0, 0); }
static touchpoint_result path_nul(void) { return path_add("a\0b > c", 7, 1, 0, 0); }
static touchpoint_result paths_csv_negative(void) {
  char path[4096];
  snprintf(path, sizeof path, "%s/bad_input_paths.csv", dir);
  FILE *f = fopen(path, "w");
  fputs("path,total_conversions\na > b,-2\n", f);
  fclose(f);
  touchpoint_path_table *t = NULL;
  return touchpoint_path_table_read_csv(path, strlen(path), NULL, &t);
}

/* ---- journey options */
static touchpoint_result journeys_with(touchpoint_journey_options o) {
  touchpoint_event_table *ev = NULL;
  touchpoint_journeys *j = NULL;
  CHECK_OK(touchpoint_event_table_new(&ev));
  CHECK_OK(touchpoint_event_table_push(ev, S("a"), S("x"), 0, false, 0.0, NAN));
  touchpoint_result r = touchpoint_journeys_build(ev, &o, &j);
  CHECK(j == NULL);
  touchpoint_event_table_free(ev);
  return r;
}
static touchpoint_result split_byte_9(void) {
  touchpoint_journey_options o = touchpoint_journey_options_default();
  o.split_at_conversions = 9;
  return journeys_with(o);
}
static touchpoint_result flag_byte_7(void) {
  touchpoint_journey_options o = touchpoint_journey_options_default();
  o.collapse_repeats = 7;
  return journeys_with(o);
}
static touchpoint_result unknown_conversion_event(void) {
  touchpoint_event_table *ev = NULL, *out = NULL;
  size_t n = 0;
  CHECK_OK(touchpoint_event_table_new(&ev));
  CHECK_OK(touchpoint_event_table_push(ev, S("a"), S("purchase"), 0, false, 0.0, NAN));
  const char *names[] = {"purchse"};
  touchpoint_result r = touchpoint_event_table_with_conversion_events(ev, names, 1, &out, &n);
  CHECK(out == NULL);
  touchpoint_event_table_free(ev);
  return r;
}

/* ---- models */
static touchpoint_result attribute(const char *model, size_t len, const touchpoint_model_params *p) {
  touchpoint_journeys *j = journeys();
  touchpoint_comparison *cmp = NULL;
  touchpoint_result r = touchpoint_attribute_journeys(j, model, len, p, &cmp);
  CHECK(cmp == NULL);
  touchpoint_journeys_free(j);
  return r;
}
static touchpoint_result model_misspelt(void) { return attribute(S("markv"), NULL); }
static touchpoint_result markov_order_0(void) {
  touchpoint_model_params p = touchpoint_model_params_default();
  p.order = 0;
  return attribute(S("markov"), &p);
}
static touchpoint_result markov_order_99(void) {
  touchpoint_model_params p = touchpoint_model_params_default();
  p.order = 99;
  return attribute(S("markov"), &p);
}
static touchpoint_result allocation_code(void) {
  touchpoint_model_params p = touchpoint_model_params_default();
  p.allocation = 7;
  return attribute(S("markov"), &p);
}
static touchpoint_result value_basis_code(void) {
  touchpoint_model_params p = touchpoint_model_params_default();
  p.value_basis = 255;
  return attribute(S("markov"), &p);
}
static touchpoint_result use_weights_byte(void) {
  touchpoint_model_params p = touchpoint_model_params_default();
  p.use_weights = 2;
  return attribute(S("custom"), &p);
}
static touchpoint_result negative_weight(void) {
  touchpoint_model_params p = touchpoint_model_params_default();
  p.use_weights = 1;
  p.weight_first = -0.1;
  p.weight_middle = 0.5;
  p.weight_last = 0.6;
  return attribute(S("custom"), &p);
}
static touchpoint_result half_life_0(void) {
  touchpoint_model_params p = touchpoint_model_params_default();
  p.half_life_ms = 0;
  return attribute(S("time_decay"), &p);
}
static touchpoint_result sampled_zero(void) {
  touchpoint_model_params p = touchpoint_model_params_default();
  p.shapley_method = 2; /* sampled */
  p.shapley_samples = 0;
  return attribute(S("shapley_rate"), &p);
}
static touchpoint_result graph_order_0(void) {
  touchpoint_journeys *j = journeys();
  touchpoint_journey_graph *g = NULL;
  touchpoint_result r = touchpoint_journey_graph_from_journeys(j, 0, &g);
  CHECK(g == NULL);
  touchpoint_journeys_free(j);
  return r;
}
static touchpoint_result bootstrap_zero(void) {
  touchpoint_journeys *j = journeys();
  char *json = NULL;
  touchpoint_result r = touchpoint_attribute_journeys_intervals_json(
      j, S("{\"models\": [\"linear\"], \"bootstrap\": 0}"), &json);
  CHECK(json == NULL);
  touchpoint_journeys_free(j);
  return r;
}
static touchpoint_result options_json_typo(void) {
  touchpoint_journeys *j = journeys();
  char *json = NULL;
  touchpoint_result r = touchpoint_attribute_journeys_intervals_json(
      j, S("{\"models\": [\"linear\"], \"bootstrp\": 10}"), &json);
  CHECK(json == NULL);
  touchpoint_journeys_free(j);
  return r;
}

/* ---- budget */
static touchpoint_result budget(touchpoint_curve *curves, size_t n, double step) {
  touchpoint_objective obj = {0};
  obj.kind = 0;
  obj.budget = 10.0;
  touchpoint_budget_plan *plan = NULL;
  touchpoint_result r = touchpoint_allocate_budget(curves, n, &obj, step, 0, &plan);
  CHECK(plan == NULL);
  return r;
}
static touchpoint_curve hill(const char *name) {
  touchpoint_curve c = {0};
  c.name = name;
  c.name_len = strlen(name);
  c.kind = 0;
  c.p1 = 10.0;
  c.p2 = 1.0;
  c.p3 = 5.0;
  c.upper = NAN;
  c.locked = NAN;
  return c;
}
static touchpoint_result duplicate_curves(void) {
  touchpoint_curve c[2] = {hill("tv"), hill("tv")};
  return budget(c, 2, 1.0);
}
static touchpoint_result curve_kind_code(void) {
  touchpoint_curve c[1] = {hill("tv")};
  c[0].kind = 99;
  return budget(c, 1, 1.0);
}
static touchpoint_result budget_step_0(void) {
  touchpoint_curve c[1] = {hill("tv")};
  return budget(c, 1, 0.0);
}

struct bad_case {
  const char *name;
  touchpoint_result (*run)(void);
  touchpoint_result code;
  const char *needles[3];
};

static const struct bad_case cases[] = {
    {"NULL out-parameter", null_out, TOUCHPOINT_RESULT_NULL_PARAMETER, {"`out`"}},
    {"NULL string", null_customer, TOUCHPOINT_RESULT_NULL_PARAMETER, {"`customer`"}},
    {"invalid UTF-8", bad_utf8, TOUCHPOINT_RESULT_INVALID_UTF8, {"`touchpoint`"}},
    {"converted byte 2 (a foreign caller)", converted_byte_2, TOUCHPOINT_RESULT_INVALID_ARGUMENT, {"converted", "2"}},
    {"empty customer key", empty_customer, TOUCHPOINT_RESULT_INVALID_VALUE, {"customer", "row 0"}},
    {"NUL in a touchpoint name", nul_touchpoint, TOUCHPOINT_RESULT_INVALID_VALUE, {"touchpoint", "NUL"}},
    {"NUL in a customer key", nul_customer, TOUCHPOINT_RESULT_INVALID_VALUE, {"customer", "NUL"}},
    {"empty touchpoint name", empty_touchpoint, TOUCHPOINT_RESULT_INVALID_VALUE, {"touchpoint"}},
    {"no touchpoint on a touch row", touch_without_touchpoint, TOUCHPOINT_RESULT_INVALID_VALUE, {"conversion"}},
    {"NaN value on a converting row", nan_value, TOUCHPOINT_RESULT_INVALID_VALUE, {"value", "missing"}},
    {"negative value", negative_value, TOUCHPOINT_RESULT_INVALID_VALUE, {"value", "-5"}},
    {"value above 1e15", huge_value, TOUCHPOINT_RESULT_INVALID_VALUE, {"value", "1e15"}},
    {"infinite value", infinite_value, TOUCHPOINT_RESULT_INVALID_VALUE, {"value", "inf"}},
    {"feedback out of range", feedback_range, TOUCHPOINT_RESULT_INVALID_VALUE, {"feedback", "42"}},
    {"no events", no_events, TOUCHPOINT_RESULT_EMPTY_INPUT, {"events"}},
    {"CSV: misspelt column", csv_misspelt, TOUCHPOINT_RESULT_SCHEMA, {"timestamp", "did you mean"}},
    {"CSV: ;-delimited header", csv_semicolons, TOUCHPOINT_RESULT_SCHEMA, {"delimiter"}},
    {"CSV: duplicate column", csv_duplicate, TOUCHPOINT_RESULT_SCHEMA, {"timestamp"}},
    {"CSV: conversion flag 2", csv_flag_2, TOUCHPOINT_RESULT_INVALID_VALUE, {"converted", "line 2"}},
    {"CSV: conversion flag 0.5", csv_flag_half, TOUCHPOINT_RESULT_INVALID_VALUE, {"converted", "0.5"}},
    {"CSV: conversion flag missing", csv_flag_missing, TOUCHPOINT_RESULT_INVALID_VALUE, {"converted", "missing"}},
    {"CSV: unparsable timestamp", csv_time, TOUCHPOINT_RESULT_INVALID_VALUE, {"timestamp", "yesterday"}},
    {"CSV: NaN timestamp", csv_time_nan, TOUCHPOINT_RESULT_INVALID_VALUE, {"timestamp", "NaN"}},
    {"CSV: timestamp 1e300", csv_time_huge, TOUCHPOINT_RESULT_INVALID_VALUE, {"timestamp", "1e300"}},
    {"CSV: epoch seconds read as ms", csv_seconds_as_ms, TOUCHPOINT_RESULT_INVALID_VALUE, {"time_unit"}},
    {"CSV: value missing on a conversion", csv_value_missing, TOUCHPOINT_RESULT_INVALID_VALUE, {"value", "missing"}},
    {"CSV: ragged row", csv_ragged, TOUCHPOINT_RESULT_IO, {"line: 2"}},
    {"CSV: time_unit code 255", csv_time_unit_code, TOUCHPOINT_RESULT_INVALID_ARGUMENT, {"time_unit", "255"}},
    {"CSV: missing file", csv_missing_file, TOUCHPOINT_RESULT_IO, {"/nonexistent/events.csv"}},
    {"path: NaN count", path_nan_count, TOUCHPOINT_RESULT_INVALID_VALUE, {"conversions", "NaN"}},
    {"path: infinite count", path_inf_count, TOUCHPOINT_RESULT_INVALID_VALUE, {"conversions", "inf"}},
    {"path: count above 1e15", path_huge_count, TOUCHPOINT_RESULT_INVALID_VALUE, {"conversions", "1e15"}},
    {"path: negative nulls", path_negative, TOUCHPOINT_RESULT_INVALID_VALUE, {"nulls", "-2"}},
    {"path: NaN value", path_nan_value, TOUCHPOINT_RESULT_INVALID_VALUE, {"value", "NaN"}},
    {"path: empty path", path_empty, TOUCHPOINT_RESULT_INVALID_VALUE, {"path"}},
    {"path: NUL in a name", path_nul, TOUCHPOINT_RESULT_INVALID_VALUE, {"NUL"}},
    {"path CSV: negative count", paths_csv_negative, TOUCHPOINT_RESULT_INVALID_VALUE, {"total_conversions", "-2"}},
    {"split_at_conversions byte 9", split_byte_9, TOUCHPOINT_RESULT_INVALID_ARGUMENT, {"split_at_conversions", "9"}},
    {"flag byte 7", flag_byte_7, TOUCHPOINT_RESULT_INVALID_ARGUMENT, {"collapse_repeats", "7"}},
    {"unknown conversion event", unknown_conversion_event, TOUCHPOINT_RESULT_INVALID_ARGUMENT, {"purchse", "did you mean"}},
    {"misspelt model", model_misspelt, TOUCHPOINT_RESULT_INVALID_ARGUMENT, {"markv", "did you mean"}},
    {"Markov order 0", markov_order_0, TOUCHPOINT_RESULT_INVALID_ARGUMENT, {"order", "0"}},
    {"Markov order 99", markov_order_99, TOUCHPOINT_RESULT_INVALID_ARGUMENT, {"order", "99"}},
    {"allocation code 7", allocation_code, TOUCHPOINT_RESULT_INVALID_ARGUMENT, {"allocation", "7"}},
    {"value_basis code 255", value_basis_code, TOUCHPOINT_RESULT_INVALID_ARGUMENT, {"value_basis", "255"}},
    {"use_weights byte 2", use_weights_byte, TOUCHPOINT_RESULT_INVALID_ARGUMENT, {"use_weights", "2"}},
    {"negative position weight", negative_weight, TOUCHPOINT_RESULT_INVALID_ARGUMENT, {"weights", "-0.1"}},
    {"time decay half-life 0", half_life_0, TOUCHPOINT_RESULT_INVALID_ARGUMENT, {"half_life_ms"}},
    {"sampled Shapley, 0 samples", sampled_zero, TOUCHPOINT_RESULT_INVALID_ARGUMENT, {"samples", "exact"}},
    {"graph order 0", graph_order_0, TOUCHPOINT_RESULT_INVALID_ARGUMENT, {"order"}},
    {"bootstrap with 0 resamples", bootstrap_zero, TOUCHPOINT_RESULT_INVALID_ARGUMENT, {"bootstrap", "0"}},
    {"misspelt options JSON key", options_json_typo, TOUCHPOINT_RESULT_INVALID_ARGUMENT, {"bootstrp"}},
    {"duplicate budget curve names", duplicate_curves, TOUCHPOINT_RESULT_INVALID_VALUE, {"name", "tv", "row 0"}},
    {"curve kind code 99", curve_kind_code, TOUCHPOINT_RESULT_INVALID_ARGUMENT, {"kind", "99"}},
    {"budget grid step 0", budget_step_0, TOUCHPOINT_RESULT_INVALID_ARGUMENT, {"step"}},
};

int main(int argc, char **argv) {
  dir = argc > 1 ? argv[1] : ".";
  size_t n = sizeof cases / sizeof cases[0];
  for (size_t i = 0; i < n; i++) {
    const struct bad_case *c = &cases[i];
    touchpoint_result r = c->run();
    char msg[4096];
    size_t len = 0;
    msg[0] = '\0';
    touchpoint_last_error_message(msg, sizeof msg, &len);
    if (r != c->code) {
      fprintf(stderr, "%s: returned %s, expected %s (%s)\n", c->name, touchpoint_result_str((uint32_t)r),
              touchpoint_result_str((uint32_t)c->code), msg);
      failures++;
      continue;
    }
    for (size_t k = 0; k < 3 && c->needles[k]; k++) {
      if (strstr(msg, c->needles[k]) == NULL) {
        fprintf(stderr, "%s: %s not in %s\n", c->name, c->needles[k], msg);
        failures++;
      }
    }
  }
  if (n < 40) {
    fprintf(stderr, "only %zu classes\n", n);
    failures++;
  }
  printf("bad_input: %zu classes, %d failures\n", n, failures);
  return failures ? 1 : 0;
}
