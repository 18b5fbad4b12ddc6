/* Optimisation through the C API: the budget examples, prioritisation, next best. */
#include "check.h"

static touchpoint_budget_plan *plan_of(const double alpha[3], touchpoint_solver solver) {
  const double gamma[3] = {30, 50, 80}, beta[3] = {100, 140, 220};
  const char *names[3] = {"search", "social", "tv"};
  touchpoint_curve curves[3];
  for (int i = 0; i < 3; i++) {
    touchpoint_curve c = {names[i], strlen(names[i]), TOUCHPOINT_CURVE_KIND_HILL, beta[i], alpha[i], gamma[i],
                          NULL, 0, 0.0, NAN, NAN};
    curves[i] = c;
  }
  touchpoint_objective obj = {TOUCHPOINT_OBJECTIVE_KIND_BUDGET, 150.0, 0.0, 0.0};
  touchpoint_budget_plan *plan = NULL;
  CHECK_OK(touchpoint_allocate_budget(curves, 3, &obj, 1.0, solver, &plan));
  return plan;
}

static void budget(void) {
  const double concave[3] = {0.8, 1.0, 0.6}, s_shaped[3] = {3.0, 2.5, 3.0};
  double spend[3], total = 0;
  touchpoint_budget_plan *p = plan_of(concave, TOUCHPOINT_SOLVER_DYNAMIC_PROGRAMMING);
  CHECK_OK(touchpoint_budget_plan_spend(p, spend, 3, &total));
  CHECK(spend[0] == 34 && spend[1] == 60 && spend[2] == 56);
  CHECK_NEAR(total, 227.14, 0.005);
  touchpoint_budget_plan_free(p);
  p = plan_of(s_shaped, TOUCHPOINT_SOLVER_DYNAMIC_PROGRAMMING);
  CHECK_OK(touchpoint_budget_plan_spend(p, spend, 3, &total));
  CHECK(spend[0] == 43 && spend[1] == 0 && spend[2] == 107);
  CHECK_NEAR(total, 229.80, 0.005);
  size_t n = 0;
  CHECK_CODE(touchpoint_budget_plan_to_json(p, NULL, 0, &n), TOUCHPOINT_RESULT_BUFFER_TOO_SMALL);
  char *buf = malloc(n + 1);
  CHECK_OK(touchpoint_budget_plan_to_json(p, buf, n + 1, &n));
  CHECK(strstr(buf, "dynamic_programming") != NULL);
  free(buf);
  CHECK_CODE(touchpoint_budget_plan_spend(p, spend, 2, &total), TOUCHPOINT_RESULT_BUFFER_TOO_SMALL);
  touchpoint_budget_plan_free(p);
  p = plan_of(s_shaped, TOUCHPOINT_SOLVER_GREEDY);
  CHECK_OK(touchpoint_budget_plan_spend(p, spend, 3, &total));
  CHECK_NEAR(total, 131.6, 0.1);
  touchpoint_budget_plan_free(p);
  /* water-filling refuses S-curves, with a message */
  touchpoint_budget_plan *bad = NULL;
  touchpoint_curve c = {"x", 1, TOUCHPOINT_CURVE_KIND_HILL, 10, 3, 5, NULL, 0, 0, NAN, NAN};
  touchpoint_objective obj = {TOUCHPOINT_OBJECTIVE_KIND_BUDGET, 10, 0, 0};
  CHECK_CODE(touchpoint_allocate_budget(&c, 1, &obj, 1.0, TOUCHPOINT_SOLVER_WATER_FILLING, &bad),
             TOUCHPOINT_RESULT_MODEL_NOT_APPLICABLE);
  EXPECT_MESSAGE("concave");
  c.p1 = NAN;
  CHECK_CODE(touchpoint_allocate_budget(&c, 1, &obj, 1.0, TOUCHPOINT_SOLVER_AUTO, &bad), TOUCHPOINT_RESULT_INVALID_VALUE);
  EXPECT_MESSAGE("beta");
  CHECK(bad == NULL);
  c.p1 = 10;
  CHECK_CODE(touchpoint_allocate_budget(&c, 1, &obj, 1.0, 9, &bad), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("`solver`");
  /* enum values arrive as integers and are checked */
  c.kind = 42;
  CHECK_CODE(touchpoint_allocate_budget(&c, 1, &obj, 1.0, TOUCHPOINT_SOLVER_AUTO, &bad), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("`curves[].kind`");
  c.kind = TOUCHPOINT_CURVE_KIND_HILL;
  obj.kind = 7;
  CHECK_CODE(touchpoint_allocate_budget(&c, 1, &obj, 1.0, TOUCHPOINT_SOLVER_AUTO, &bad), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("`objective.kind`");
  CHECK(bad == NULL);
}

static void graph_tools(void) {
  touchpoint_path_table *p = NULL;
  CHECK_OK(touchpoint_path_table_new(&p));
  CHECK_OK(touchpoint_path_table_add(p, S("C1 > C2 > C3"), S(">"), 1, 0, 0));
  CHECK_OK(touchpoint_path_table_add(p, S("C1"), S(">"), 0, 1, 0));
  CHECK_OK(touchpoint_path_table_add(p, S("C2 > C3"), S(">"), 0, 1, 0));
  touchpoint_journey_graph *g = NULL;
  CHECK_OK(touchpoint_journey_graph_from_paths(p, 1, &g));
  char buf[8192];
  size_t n = 0;
  CHECK_OK(touchpoint_journey_graph_prioritize_json(g, 1.0, TOUCHPOINT_PRIORITIZE_BY_TOUCHPOINT, buf, sizeof buf, &n));
  CHECK(strstr(buf, "\"extra_conversions\"") != NULL && strstr(buf, "\"touchpoint\"") != NULL);
  CHECK_OK(touchpoint_journey_graph_prioritize_json(g, 1.0, TOUCHPOINT_PRIORITIZE_BY_STATE, buf, sizeof buf, &n));
  CHECK(strstr(buf, "\"return_probability\"") != NULL);
  touchpoint_candidate cands[2] = {{"C2", 2, 1.0}, {"C3", 2, 0.0}};
  CHECK_OK(touchpoint_journey_graph_next_best_json(g, S("C1"), cands, 2, buf, sizeof buf, &n));
  CHECK(strstr(buf, "\"current_state\": \"C1\"") != NULL);
  CHECK_OK(touchpoint_journey_graph_converting_paths_json(g, NULL, 0, 5, 10, buf, sizeof buf, &n));
  CHECK(strstr(buf, "\"probability\"") != NULL);
  /* E1: C1 > C2 > C3 and C2 > C3 both convert with probability 2/3 * 1/2 * 1/2 = 1/3 * 1/2 = 1/6 */
  CHECK_OK(touchpoint_journey_graph_most_probable_converting_path_json(g, buf, sizeof buf, &n));
  CHECK(strstr(buf, "\"probability\": 0.1666666666666") != NULL && strstr(buf, "\"C3\"") != NULL);
  /* dP/dQ(C3 -> conversion) = expected visits of C3 (2/3) x 1; dP/dQ(start -> C2) = P(conv | C2) = 1/2 */
  CHECK_OK(touchpoint_journey_graph_sensitivities_json(g, buf, sizeof buf, &n));
  CHECK(strstr(buf, "\"sensitivity\": 0.666666666666") != NULL);
  CHECK(strstr(buf, "\"sensitivity\": 0.5") != NULL);
  CHECK_CODE(touchpoint_journey_graph_sensitivities_json(NULL, buf, sizeof buf, &n), TOUCHPOINT_RESULT_NULL_PARAMETER);
  touchpoint_candidate unknown = {"nope", 4, 0.0};
  CHECK_CODE(touchpoint_journey_graph_next_best_json(g, NULL, 0, &unknown, 1, buf, sizeof buf, &n),
             TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("nope");
  CHECK_CODE(touchpoint_journey_graph_prioritize_json(g, 2.0, TOUCHPOINT_PRIORITIZE_BY_TOUCHPOINT, buf, sizeof buf, &n), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  touchpoint_journey_graph_free(g);
  touchpoint_path_table_free(p);
}

int main(void) {
  budget();
  graph_tools();
  touchpoint_budget_plan_free(NULL);
  if (failures) {
    fprintf(stderr, "optimize: %d failures\n", failures);
    return 1;
  }
  printf("optimize: budget examples, prioritisation and next best passed\n");
  return 0;
}
