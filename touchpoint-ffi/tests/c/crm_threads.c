/* One scorer and one graph shared read-only by four threads: each scores the same events and
 * the same journeys and reads the graph's summary, and must get the single-threaded answers.
 * Run under `valgrind --tool=helgrind` by `make c-test` (small data: a few hundred customers). */
#include <pthread.h>

#include "check.h"

#define THREADS 4
#define ROUNDS 2

static const touchpoint_scorer *scorer;
static const touchpoint_journey_graph *graph;
static const touchpoint_event_table *open_events;
static const touchpoint_journeys *journeys;
static char *want_scores, *want_journey_scores, *want_summary;

/* The scores of `events` (or of `j` when `events` is NULL) as JSON, malloc'd; NULL on error. */
static char *scores_json(const touchpoint_event_table *events, const touchpoint_journeys *j) {
  touchpoint_scores *s = NULL;
  touchpoint_result r = events ? touchpoint_scorer_score_events(scorer, events, &s)
                               : touchpoint_scorer_score_journeys(scorer, j, &s);
  if (r != TOUCHPOINT_RESULT_OK) return NULL;
  size_t n = 0;
  char *out = NULL;
  if (touchpoint_scores_to_json(s, NULL, 0, &n) == TOUCHPOINT_RESULT_BUFFER_TOO_SMALL) {
    out = malloc(n + 1);
    if (touchpoint_scores_to_json(s, out, n + 1, &n) != TOUCHPOINT_RESULT_OK) {
      free(out);
      out = NULL;
    }
  }
  /* the rows are readable like the JSON */
  size_t rows = 0;
  touchpoint_score_row row;
  if (out && (touchpoint_scores_len(s, &rows) != TOUCHPOINT_RESULT_OK || rows == 0 ||
              touchpoint_scores_row(s, rows - 1, &row) != TOUCHPOINT_RESULT_OK || strstr(out, row.customer_id) == NULL)) {
    free(out);
    out = NULL;
  }
  touchpoint_scores_free(s);
  return out;
}

static char *summary_json(void) {
  size_t n = 0;
  if (touchpoint_journey_graph_summary_json(graph, NULL, 0, &n) != TOUCHPOINT_RESULT_BUFFER_TOO_SMALL) return NULL;
  char *out = malloc(n + 1);
  if (touchpoint_journey_graph_summary_json(graph, out, n + 1, &n) != TOUCHPOINT_RESULT_OK) {
    free(out);
    return NULL;
  }
  return out;
}

static int same(char *got, const char *want) {
  int ok = got != NULL && strcmp(got, want) == 0;
  free(got);
  return ok;
}

static void *worker(void *arg) {
  long *mismatches = arg;
  for (int round = 0; round < ROUNDS; round++) {
    *mismatches += !same(scores_json(open_events, NULL), want_scores);
    *mismatches += !same(scores_json(NULL, journeys), want_journey_scores);
    *mismatches += !same(summary_json(), want_summary);
  }
  return NULL;
}

/* Deterministic synthetic events: customers with 1-5 touches of 4 touchpoints, some converting. */
static void fill(touchpoint_event_table *ev, int customers, unsigned seed) {
  static const char *tps[4] = {"search", "email", "app", "store"};
  unsigned x = seed;
  char id[32];
  for (int c = 0; c < customers; c++) {
    snprintf(id, sizeof id, "c%04d", c);
    x = x * 1103515245u + 12345u;
    int touches = 1 + (int)((x >> 16) % 5);
    for (int t = 0; t < touches; t++) {
      x = x * 1103515245u + 12345u;
      const char *tp = tps[(x >> 16) % 4];
      CHECK_OK(touchpoint_event_table_push(ev, id, strlen(id), tp, strlen(tp), 1000 * c + t, false, 0, NAN));
    }
    x = x * 1103515245u + 12345u;
    if ((x >> 16) % 3 == 0) {
      CHECK_OK(touchpoint_event_table_push(ev, id, strlen(id), NULL, 0, 1000 * c + touches, true, 10, NAN));
    }
  }
}

int main(void) {
  touchpoint_event_table *history = NULL, *open = NULL;
  CHECK_OK(touchpoint_event_table_new(&history));
  CHECK_OK(touchpoint_event_table_new(&open));
  fill(history, 200, 1);
  fill(open, 150, 2);
  touchpoint_journeys *j = NULL;
  CHECK_OK(touchpoint_journeys_build(history, NULL, &j));
  touchpoint_journey_graph *g = NULL;
  CHECK_OK(touchpoint_journey_graph_from_journeys(j, 2, &g));
  touchpoint_candidate cands[3] = {{"email", 5, 0.5}, {"app", 3, 0.1}, {"store", 5, 2.0}};
  touchpoint_scorer *sc = NULL;
  CHECK_OK(touchpoint_scorer_new(g, cands, 3, 2, 0, &sc));
  scorer = sc;
  graph = g;
  open_events = open;
  journeys = j;
  /* single-threaded references (the graph's analysis is computed here, before the threads) */
  want_scores = scores_json(open_events, NULL);
  want_journey_scores = scores_json(NULL, journeys);
  want_summary = summary_json();
  CHECK(want_scores != NULL && want_journey_scores != NULL && want_summary != NULL);
  CHECK(strstr(want_scores, "\"state_match\"") != NULL);

  pthread_t th[THREADS];
  long mismatches[THREADS] = {0};
  for (int i = 0; i < THREADS; i++) CHECK(pthread_create(&th[i], NULL, worker, &mismatches[i]) == 0);
  for (int i = 0; i < THREADS; i++) {
    CHECK(pthread_join(th[i], NULL) == 0);
    if (mismatches[i] != 0) {
      fprintf(stderr, "thread %d: %ld results differ from the single-threaded ones\n", i, mismatches[i]);
      failures++;
    }
  }
  free(want_scores);
  free(want_journey_scores);
  free(want_summary);
  touchpoint_scorer_free(sc);
  touchpoint_journey_graph_free(g);
  touchpoint_journeys_free(j);
  touchpoint_event_table_free(open);
  touchpoint_event_table_free(history);
  if (failures) {
    fprintf(stderr, "crm_threads: %d failures\n", failures);
    return 1;
  }
  printf("crm_threads: %d threads x %d rounds sharing one scorer and one graph agree with one thread\n", THREADS,
         ROUNDS);
  return 0;
}
