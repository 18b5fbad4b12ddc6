/* Four threads, each with its own handles, and one graph, one journey set and one comparison
 * shared read-only by all four; every answer must equal the single-threaded one.
 *
 * main writes a deterministic events CSV (`threads4_events.csv` in argv[1]), runs the whole
 * pipeline once on its own (the references), then builds the shared handles from the same CSV.
 * Each thread, for ROUNDS rounds:
 *   - own handles: reads the CSV, builds journeys, attributes them with seven models, builds an
 *     order-2 graph and reads its analysis, then frees everything;
 *   - shared handles: queries the shared graph (summary, nodes, removal effects, P(conversion),
 *     next best, converting paths, priorities), attributes the shared journeys and builds a graph
 *     of them, and reads every row and table of the shared comparison.
 * The shared graph is never queried before the threads start and the four meet at a barrier
 * first, so its exact analysis (computed on first use and kept in a std OnceLock) is first asked
 * for by four threads at once. Doubles are compared with ==: the library is deterministic for a
 * given input.
 *
 * `threads4 DIR warm` asks the shared graph once before the threads start instead: helgrind
 * cannot see the OnceLock's synchronisation (a futex and atomics), so under it every thread's
 * read of the analysis another thread stored looks like a race; warmed, the analysis is written
 * before pthread_create, which helgrind does see. `make c-test` runs it cold under valgrind and
 * ASan/UBSan, and warm under helgrind (see the Makefile for why not TSan). Small data (240
 * customers), so each run takes seconds, helgrind's under a minute. */
#define _POSIX_C_SOURCE 200809L /* pthread barriers under -std=c11 */
#include <pthread.h>

#include "check.h"

#define THREADS 4
#define ROUNDS 2
#define CUSTOMERS 240
#define ORDER 2
#define MODELS "first,last,linear,position,time_decay,markov,shapley"
#define N_MODELS 7
#define MAX_TP 8

static const char *const TOUCHPOINTS[] = {"search", "email", "display", "social", "direct"};
#define N_TP 5

static char csv_path[4096];
static size_t generated_rows, generated_conversions;
static double generated_value;
static touchpoint_model_params params;
static pthread_barrier_t barrier;

/* ---- text results: every buffer-API output as a malloc'd NUL-terminated string ---- */

typedef touchpoint_result (*graph_text_fn)(const touchpoint_journey_graph *, char *, size_t, size_t *);

static char *graph_text(graph_text_fn f, const touchpoint_journey_graph *g) {
  size_t n = 0;
  if (f(g, NULL, 0, &n) != TOUCHPOINT_RESULT_BUFFER_TOO_SMALL) return NULL;
  char *out = malloc(n + 1);
  if (out == NULL || f(g, out, n + 1, &n) != TOUCHPOINT_RESULT_OK) {
    free(out);
    return NULL;
  }
  return out;
}

static char *comparison_json(const touchpoint_comparison *c) {
  size_t n = 0;
  if (touchpoint_comparison_to_json(c, NULL, 0, &n) != TOUCHPOINT_RESULT_BUFFER_TOO_SMALL) return NULL;
  char *out = malloc(n + 1);
  if (out == NULL || touchpoint_comparison_to_json(c, out, n + 1, &n) != TOUCHPOINT_RESULT_OK) {
    free(out);
    return NULL;
  }
  return out;
}

static char *table_json(const touchpoint_comparison *c, size_t model) {
  size_t n = 0;
  if (touchpoint_comparison_table_json(c, model, NULL, 0, &n) != TOUCHPOINT_RESULT_BUFFER_TOO_SMALL) return NULL;
  char *out = malloc(n + 1);
  if (out == NULL || touchpoint_comparison_table_json(c, model, out, n + 1, &n) != TOUCHPOINT_RESULT_OK) {
    free(out);
    return NULL;
  }
  return out;
}

static char *report_json(const touchpoint_journeys *j) {
  size_t n = 0;
  if (touchpoint_journeys_report_json(j, NULL, 0, &n) != TOUCHPOINT_RESULT_BUFFER_TOO_SMALL) return NULL;
  char *out = malloc(n + 1);
  if (out == NULL || touchpoint_journeys_report_json(j, out, n + 1, &n) != TOUCHPOINT_RESULT_OK) {
    free(out);
    return NULL;
  }
  return out;
}

static const touchpoint_candidate CANDIDATES[] = {{"email", 5, 0.5}, {"display", 7, 0.2}, {"direct", 6, 0.0}};
#define NEXT_BEST_AFTER "search > email"
#define PATHS_AFTER "search"

static char *next_best_json(const touchpoint_journey_graph *g) {
  size_t n = 0;
  if (touchpoint_journey_graph_next_best_json(g, S(NEXT_BEST_AFTER), CANDIDATES, 3, NULL, 0, &n) !=
      TOUCHPOINT_RESULT_BUFFER_TOO_SMALL)
    return NULL;
  char *out = malloc(n + 1);
  if (out == NULL ||
      touchpoint_journey_graph_next_best_json(g, S(NEXT_BEST_AFTER), CANDIDATES, 3, out, n + 1, &n) !=
          TOUCHPOINT_RESULT_OK) {
    free(out);
    return NULL;
  }
  return out;
}

static char *converting_paths_json(const touchpoint_journey_graph *g) {
  size_t n = 0;
  if (touchpoint_journey_graph_converting_paths_json(g, S(PATHS_AFTER), 3, 5, NULL, 0, &n) !=
      TOUCHPOINT_RESULT_BUFFER_TOO_SMALL)
    return NULL;
  char *out = malloc(n + 1);
  if (out == NULL ||
      touchpoint_journey_graph_converting_paths_json(g, S(PATHS_AFTER), 3, 5, out, n + 1, &n) != TOUCHPOINT_RESULT_OK) {
    free(out);
    return NULL;
  }
  return out;
}

static char *priorities_json(const touchpoint_journey_graph *g) {
  size_t n = 0;
  if (touchpoint_journey_graph_prioritize_json(g, 0.5, TOUCHPOINT_PRIORITIZE_BY_TOUCHPOINT, NULL, 0, &n) !=
      TOUCHPOINT_RESULT_BUFFER_TOO_SMALL)
    return NULL;
  char *out = malloc(n + 1);
  if (out == NULL || touchpoint_journey_graph_prioritize_json(g, 0.5, TOUCHPOINT_PRIORITIZE_BY_TOUCHPOINT, out, n + 1,
                                                              &n) != TOUCHPOINT_RESULT_OK) {
    free(out);
    return NULL;
  }
  return out;
}

/* ---- the answers compared across threads ---- */

/* What one graph answers. */
typedef struct {
  char *summary, *nodes, *removal_effects, *next_best, *converting_paths, *priorities;
  double p_conversion;
} graph_answers;

static graph_answers ask_graph(const touchpoint_journey_graph *g) {
  graph_answers a = {0};
  /* the first question computes the analysis; on the shared graph four threads ask at once */
  a.summary = graph_text(touchpoint_journey_graph_summary_json, g);
  a.nodes = graph_text(touchpoint_journey_graph_nodes_json, g);
  a.removal_effects = graph_text(touchpoint_journey_graph_removal_effects_json, g);
  if (touchpoint_journey_graph_conversion_probability(g, &a.p_conversion) != TOUCHPOINT_RESULT_OK) a.p_conversion = NAN;
  a.next_best = next_best_json(g);
  a.converting_paths = converting_paths_json(g);
  a.priorities = priorities_json(g);
  return a;
}

static void free_graph_answers(graph_answers *a) {
  free(a->summary);
  free(a->nodes);
  free(a->removal_effects);
  free(a->next_best);
  free(a->converting_paths);
  free(a->priorities);
}

static int same_text(const char *got, const char *want) { return got != NULL && want != NULL && strcmp(got, want) == 0; }

/* Number of answers of `got` that differ from `want`. */
static long graph_mismatches(const graph_answers *got, const graph_answers *want) {
  return !same_text(got->summary, want->summary) + !same_text(got->nodes, want->nodes) +
         !same_text(got->removal_effects, want->removal_effects) + !(got->p_conversion == want->p_conversion) +
         !same_text(got->next_best, want->next_best) + !same_text(got->converting_paths, want->converting_paths) +
         !same_text(got->priorities, want->priorities);
}

/* What one comparison holds: its JSON, each model's table JSON, and every row's numbers. */
typedef struct {
  char *json;
  char *tables[N_MODELS];
  size_t models, rows[N_MODELS];
  char names[N_MODELS][MAX_TP][16];
  double conversions[N_MODELS][MAX_TP], value[N_MODELS][MAX_TP], share[N_MODELS][MAX_TP];
  touchpoint_totals totals[N_MODELS];
} comparison_answers;

static comparison_answers ask_comparison(const touchpoint_comparison *c) {
  comparison_answers a;
  memset(&a, 0, sizeof a);
  a.json = comparison_json(c);
  if (touchpoint_comparison_models(c, &a.models) != TOUCHPOINT_RESULT_OK || a.models > N_MODELS) {
    a.models = 0;
    return a;
  }
  for (size_t m = 0; m < a.models; m++) {
    a.tables[m] = table_json(c, m);
    if (touchpoint_comparison_totals(c, m, &a.totals[m]) != TOUCHPOINT_RESULT_OK ||
        touchpoint_comparison_rows(c, m, &a.rows[m]) != TOUCHPOINT_RESULT_OK || a.rows[m] > MAX_TP) {
      a.rows[m] = 0;
      continue;
    }
    for (size_t i = 0; i < a.rows[m]; i++) {
      touchpoint_credit row;
      if (touchpoint_comparison_row(c, m, i, &row) != TOUCHPOINT_RESULT_OK) continue;
      snprintf(a.names[m][i], sizeof a.names[m][i], "%.*s", (int)row.touchpoint_len, row.touchpoint);
      a.conversions[m][i] = row.conversions;
      a.value[m][i] = row.value;
      a.share[m][i] = row.share;
    }
  }
  return a;
}

static void free_comparison_answers(comparison_answers *a) {
  free(a->json);
  for (size_t m = 0; m < N_MODELS; m++) free(a->tables[m]);
}

static long comparison_mismatches(const comparison_answers *got, const comparison_answers *want) {
  long bad = !same_text(got->json, want->json) + (got->models != want->models);
  for (size_t m = 0; m < want->models && m < got->models; m++) {
    bad += !same_text(got->tables[m], want->tables[m]) + (got->rows[m] != want->rows[m]);
    bad += got->totals[m].total_journeys != want->totals[m].total_journeys ||
           got->totals[m].total_conversions != want->totals[m].total_conversions ||
           got->totals[m].total_value != want->totals[m].total_value ||
           got->totals[m].efficient != want->totals[m].efficient;
    for (size_t i = 0; i < want->rows[m] && i < got->rows[m]; i++) {
      bad += strcmp(got->names[m][i], want->names[m][i]) != 0 || got->conversions[m][i] != want->conversions[m][i] ||
             got->value[m][i] != want->value[m][i] || got->share[m][i] != want->share[m][i];
    }
  }
  return bad;
}

/* What the whole pipeline on one's own handles answers. */
typedef struct {
  size_t events;
  touchpoint_journey_report report;
  char *report_json;
  comparison_answers attribution;
  graph_answers graph;
} pipeline_answers;

/* CSV -> events -> journeys -> attribution and an order-2 graph, on handles of the caller's
 * own, all freed before returning. */
static pipeline_answers run_pipeline(void) {
  pipeline_answers a;
  memset(&a, 0, sizeof a);
  a.graph.p_conversion = NAN;
  touchpoint_event_table *ev = NULL;
  touchpoint_journeys *j = NULL;
  touchpoint_comparison *cmp = NULL;
  touchpoint_journey_graph *g = NULL;
  if (touchpoint_event_table_read_csv(csv_path, strlen(csv_path), NULL, &ev) != TOUCHPOINT_RESULT_OK ||
      touchpoint_event_table_len(ev, &a.events) != TOUCHPOINT_RESULT_OK ||
      touchpoint_journeys_build(ev, NULL, &j) != TOUCHPOINT_RESULT_OK ||
      touchpoint_journeys_report(j, &a.report) != TOUCHPOINT_RESULT_OK) {
    print_last_error();
    goto done;
  }
  a.report_json = report_json(j);
  if (touchpoint_attribute_journeys(j, S(MODELS), &params, &cmp) != TOUCHPOINT_RESULT_OK) {
    print_last_error();
    goto done;
  }
  a.attribution = ask_comparison(cmp);
  if (touchpoint_journey_graph_from_journeys(j, ORDER, &g) != TOUCHPOINT_RESULT_OK) {
    print_last_error();
    goto done;
  }
  a.graph = ask_graph(g);
done:
  touchpoint_journey_graph_free(g);
  touchpoint_comparison_free(cmp);
  touchpoint_journeys_free(j);
  touchpoint_event_table_free(ev);
  return a;
}

static void free_pipeline_answers(pipeline_answers *a) {
  free(a->report_json);
  free_comparison_answers(&a->attribution);
  free_graph_answers(&a->graph);
}

static long pipeline_mismatches(const pipeline_answers *got, const pipeline_answers *want) {
  return (got->events != want->events) + (memcmp(&got->report, &want->report, sizeof want->report) != 0) +
         !same_text(got->report_json, want->report_json) + comparison_mismatches(&got->attribution, &want->attribution) +
         graph_mismatches(&got->graph, &want->graph);
}

/* ---- the shared handles and the references ---- */

static const touchpoint_journey_graph *shared_graph;
static const touchpoint_journeys *shared_journeys;
static const touchpoint_comparison *shared_comparison;
static pipeline_answers want;

typedef struct {
  long mismatches[4]; /* shared graph, shared journeys, shared comparison, own pipeline */
  long failed_calls;
} worker_state;

static void *worker(void *arg) {
  worker_state *w = arg;
  for (int round = 0; round < ROUNDS; round++) {
    /* all four start each round together: in round 0 they race for the shared graph's analysis */
    int b = pthread_barrier_wait(&barrier);
    if (b != 0 && b != PTHREAD_BARRIER_SERIAL_THREAD) w->failed_calls++;

    /* the shared graph, read-only */
    graph_answers g = ask_graph(shared_graph);
    w->mismatches[0] += graph_mismatches(&g, &want.graph);
    free_graph_answers(&g);

    /* the shared journeys, read-only: attributed and turned into a graph of this thread's own */
    touchpoint_comparison *cmp = NULL;
    if (touchpoint_attribute_journeys(shared_journeys, S(MODELS), &params, &cmp) == TOUCHPOINT_RESULT_OK) {
      comparison_answers c = ask_comparison(cmp);
      w->mismatches[1] += comparison_mismatches(&c, &want.attribution);
      free_comparison_answers(&c);
    } else {
      w->failed_calls++;
    }
    touchpoint_comparison_free(cmp);
    touchpoint_journey_graph *own = NULL;
    if (touchpoint_journey_graph_from_journeys(shared_journeys, ORDER, &own) == TOUCHPOINT_RESULT_OK) {
      graph_answers og = ask_graph(own);
      w->mismatches[1] += graph_mismatches(&og, &want.graph);
      free_graph_answers(&og);
    } else {
      w->failed_calls++;
    }
    touchpoint_journey_graph_free(own);
    touchpoint_journey_report rep;
    w->mismatches[1] += touchpoint_journeys_report(shared_journeys, &rep) != TOUCHPOINT_RESULT_OK ||
                        memcmp(&rep, &want.report, sizeof rep) != 0;

    /* the shared comparison, read-only */
    comparison_answers sc = ask_comparison(shared_comparison);
    w->mismatches[2] += comparison_mismatches(&sc, &want.attribution);
    free_comparison_answers(&sc);

    /* everything again on handles of this thread's own */
    pipeline_answers p = run_pipeline();
    w->mismatches[3] += pipeline_mismatches(&p, &want);
    free_pipeline_answers(&p);
  }
  return NULL;
}

/* ---- data ---- */

/* Deterministic events: customers with 1-6 touches of five touchpoints an hour apart, about a
 * third converting (value 10-100) an hour after their last touch; epoch-millisecond times. */
static void write_events_csv(const char *path) {
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(1);
  }
  fprintf(f, "customer_id,touchpoint,timestamp,converted,value\n");
  unsigned x = 17;
  for (int c = 0; c < CUSTOMERS; c++) {
    long long t = 1714550400000LL + 86400000LL * (c % 30) + 60000LL * c;
    x = x * 1103515245u + 12345u;
    int touches = 1 + (int)((x >> 16) % 6);
    for (int k = 0; k < touches; k++) {
      x = x * 1103515245u + 12345u;
      fprintf(f, "u%03d,%s,%lld,0,\n", c, TOUCHPOINTS[(x >> 16) % N_TP], t + 3600000LL * k);
      generated_rows++;
    }
    x = x * 1103515245u + 12345u;
    if ((x >> 16) % 3 == 0) {
      int value = 10 + (int)((x >> 8) % 91);
      fprintf(f, "u%03d,,%lld,1,%d\n", c, t + 3600000LL * touches, value);
      generated_rows++;
      generated_conversions++;
      generated_value += value;
    }
  }
  fclose(f);
}

int main(int argc, char **argv) {
  snprintf(csv_path, sizeof csv_path, "%s/threads4_events.csv", argc > 1 ? argv[1] : ".");
  write_events_csv(csv_path);
  params = touchpoint_model_params_default();
  params.order = ORDER;

  /* the references, on one thread, before any other thread exists */
  want = run_pipeline();
  CHECK(want.events == generated_rows);
  CHECK(want.report.conversions_in == generated_conversions);
  CHECK(want.report.journeys_converting == generated_conversions);
  CHECK(want.report.customers == CUSTOMERS);
  CHECK(want.report_json != NULL && want.graph.summary != NULL && want.graph.nodes != NULL &&
        want.graph.removal_effects != NULL && want.graph.next_best != NULL && want.graph.converting_paths != NULL &&
        want.graph.priorities != NULL && want.attribution.json != NULL);
  CHECK(want.attribution.models == N_MODELS);
  for (size_t m = 0; m < want.attribution.models; m++) {
    /* every model here is efficient: its credits add up to the data's conversions and value */
    double conv = 0, value = 0;
    for (size_t i = 0; i < want.attribution.rows[m]; i++) {
      conv += want.attribution.conversions[m][i];
      value += want.attribution.value[m][i];
    }
    CHECK(want.attribution.rows[m] == N_TP);
    CHECK(want.attribution.totals[m].efficient);
    CHECK_NEAR(want.attribution.totals[m].total_conversions, (double)generated_conversions, 0);
    CHECK_NEAR(want.attribution.totals[m].total_value, generated_value, 1e-9);
    CHECK_NEAR(conv, (double)generated_conversions, 1e-9);
    CHECK_NEAR(value, generated_value, 1e-6);
  }
  CHECK(want.graph.p_conversion > 0 && want.graph.p_conversion < 1);
  CHECK(strstr(want.graph.summary, "\"removal_effects\"") != NULL);
  if (failures) {
    fprintf(stderr, "threads4: the single-threaded references are wrong (%d failures)\n", failures);
    return 1;
  }

  /* the shared handles, built from the same CSV; the graph is not queried before the threads */
  touchpoint_event_table *ev = NULL;
  touchpoint_journeys *j = NULL;
  touchpoint_journey_graph *g = NULL;
  touchpoint_comparison *cmp = NULL;
  CHECK_OK(touchpoint_event_table_read_csv(csv_path, strlen(csv_path), NULL, &ev));
  CHECK_OK(touchpoint_journeys_build(ev, NULL, &j));
  CHECK_OK(touchpoint_journey_graph_from_journeys(j, ORDER, &g));
  CHECK_OK(touchpoint_attribute_journeys(j, S(MODELS), &params, &cmp));
  if (argc > 2 && strcmp(argv[2], "warm") == 0) {
    char *summary = graph_text(touchpoint_journey_graph_summary_json, g);
    CHECK(same_text(summary, want.graph.summary));
    free(summary);
  }
  shared_graph = g;
  shared_journeys = j;
  shared_comparison = cmp;

  CHECK(pthread_barrier_init(&barrier, NULL, THREADS) == 0);
  pthread_t th[THREADS];
  worker_state ws[THREADS];
  memset(ws, 0, sizeof ws);
  for (int i = 0; i < THREADS; i++) {
    CHECK(pthread_create(&th[i], NULL, worker, &ws[i]) == 0);
  }
  static const char *const what[4] = {"shared graph", "shared journeys", "shared comparison", "own handles"};
  for (int i = 0; i < THREADS; i++) {
    CHECK(pthread_join(th[i], NULL) == 0);
    for (int k = 0; k < 4; k++) {
      if (ws[i].mismatches[k] != 0) {
        fprintf(stderr, "thread %d: %ld answers of the %s differ from the single-threaded ones\n", i,
                ws[i].mismatches[k], what[k]);
        failures++;
      }
    }
    if (ws[i].failed_calls != 0) {
      fprintf(stderr, "thread %d: %ld calls failed\n", i, ws[i].failed_calls);
      failures++;
    }
  }
  CHECK(pthread_barrier_destroy(&barrier) == 0);

  /* the shared graph, after the threads, still answers the same */
  graph_answers after = ask_graph(g);
  CHECK(graph_mismatches(&after, &want.graph) == 0);
  free_graph_answers(&after);

  touchpoint_comparison_free(cmp);
  touchpoint_journey_graph_free(g);
  touchpoint_journeys_free(j);
  touchpoint_event_table_free(ev);
  free_pipeline_answers(&want);
  remove(csv_path);
  if (failures) {
    fprintf(stderr, "threads4: %d failures\n", failures);
    return 1;
  }
  printf("threads4: %d threads x %d rounds (own handles, plus a graph, journeys and comparison shared "
         "read-only) agree with one thread: %zu events, %zu conversions, P(conversion) %.6f\n",
         THREADS, ROUNDS, generated_rows, generated_conversions, want.graph.p_conversion);
  return 0;
}
