/* crm_nightly.c: the nightly job of a CRM on touchpoint's C API (the README shows this program;
 * `make c-test` builds it against the header and both libraries and runs it twice).
 *
 * Every night: continue the journeys saved last night with today's events, rebuild the journey
 * graph, save both for tomorrow, and pick the next touchpoint for every customer whose journey
 * is still open.
 *
 *   cc crm_nightly.c -ltouchpoint -o crm_nightly
 *   ./crm_nightly [STATE_DIR [TODAY_CSV [HISTORY_CSV]]]
 *
 * STATE_DIR (default ".") keeps journeys.tpm and graph.tpm between runs. The first run, with no
 * journeys.tpm yet, starts from HISTORY_CSV (default examples/data/history.csv); TODAY_CSV
 * defaults to examples/data/today.csv. The CSVs have the columns customer_id, touchpoint,
 * timestamp, converted, value (a conversion row has an empty touchpoint). Exits 1 on any error,
 * printing touchpoint's message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "touchpoint.h"

/* Every touchpoint function returns a result code; on failure the message for this thread
 * says what went wrong (the file, line, column or byte). A nightly job stops there. */
static void check(touchpoint_result r, const char *what) {
  if (r == TOUCHPOINT_RESULT_OK) return;
  char msg[2048];
  size_t n = 0;
  touchpoint_last_error_message(msg, sizeof msg, &n);
  fprintf(stderr, "crm_nightly: %s failed: %s: %s\n", what, touchpoint_result_str((uint32_t)r), msg);
  exit(1);
}

static int exists(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f) fclose(f);
  return f != NULL;
}

/* Open customers, best uplift first (those without a next touchpoint last). */
static const touchpoint_scores *by_uplift_scores;
static int by_uplift(const void *a, const void *b) {
  touchpoint_score_row x, y;
  touchpoint_scores_row(by_uplift_scores, *(const size_t *)a, &x);
  touchpoint_scores_row(by_uplift_scores, *(const size_t *)b, &y);
  if (!x.best_next || !y.best_next) return (x.best_next == NULL) - (y.best_next == NULL);
  return (x.best_uplift < y.best_uplift) - (x.best_uplift > y.best_uplift);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  const char *today_csv = argc > 2 ? argv[2] : "examples/data/today.csv";
  const char *history_csv = argc > 3 ? argv[3] : "examples/data/history.csv";
  char journeys_path[4096], graph_path[4096];
  snprintf(journeys_path, sizeof journeys_path, "%s/journeys.tpm", dir);
  snprintf(graph_path, sizeof graph_path, "%s/graph.tpm", dir);

  /* 1. Yesterday's journeys: the saved file, or the history on the first night. A saved file
   *    that is damaged or truncated is an error (TOUCHPOINT_RESULT_MODEL_FILE), never silently
   *    replaced. Journeys keep their open tails, so appending continues where they stopped. */
  touchpoint_journeys *journeys = NULL;
  if (exists(journeys_path)) {
    check(touchpoint_journeys_load(journeys_path, strlen(journeys_path), &journeys), "loading journeys");
    printf("journeys: loaded %s\n", journeys_path);
  } else {
    touchpoint_event_table *history = NULL;
    check(touchpoint_event_table_read_csv(history_csv, strlen(history_csv), NULL, &history), "reading history");
    check(touchpoint_journeys_build(history, NULL, &journeys), "building journeys"); /* default options */
    touchpoint_event_table_free(history);
    printf("journeys: built from %s\n", history_csv);
  }

  /* 2. Append today's events: a new journeys handle equal to a rebuild from all events so far
   *    (the old one is unchanged). Only the customers with new events are re-cut. */
  touchpoint_event_table *today = NULL;
  check(touchpoint_event_table_read_csv(today_csv, strlen(today_csv), NULL, &today), "reading today's events");
  touchpoint_journeys *updated = NULL;
  touchpoint_append_report added;
  check(touchpoint_journeys_append(journeys, today, &updated, &added), "appending today's events");
  touchpoint_event_table_free(today);
  touchpoint_journeys_free(journeys);
  journeys = updated;
  printf("appended %zu events: %zu customers continued, %zu new, %zu journeys closed, %zu late events\n",
         added.events_in, added.customers_continued, added.customers_new, added.journeys_closed,
         added.late_events);

  /* 3. Rebuild the order-2 journey graph (its exact analysis is computed once, here, and saved
   *    with it), and save both for tomorrow (each file is written to a temporary name and
   *    renamed into place, so a crash never leaves half a file). */
  touchpoint_journey_graph *graph = NULL;
  check(touchpoint_journey_graph_from_journeys(journeys, 2, &graph), "building the graph");
  check(touchpoint_journeys_save(journeys, journeys_path, strlen(journeys_path)), "saving journeys");
  check(touchpoint_journey_graph_save(graph, graph_path, strlen(graph_path)), "saving the graph");
  double p = 0;
  check(touchpoint_journey_graph_conversion_probability(graph, &p), "P(conversion)");
  printf("graph: P(conversion) = %.3f; saved %s and %s\n", p, journeys_path, graph_path);

  /* 4. A scorer: the graph prepared for scoring, with the touchpoints the CRM can send next
   *    and what one touch costs. It owns what it needs, so the graph can go. Keep the 3 best
   *    next touchpoints per customer; 0: the journeys were built without collapse_repeats. */
  const touchpoint_candidate candidates[] = {{"email", 5, 0.1}, {"app", 3, 0.05}, {"call", 4, 4.0}};
  touchpoint_scorer *scorer = NULL;
  check(touchpoint_scorer_new(graph, candidates, 3, 3, 0, &scorer), "preparing the scorer");
  touchpoint_journey_graph_free(graph);

  /* 5. Score every customer whose last journey is still open: where they are, how likely they
   *    are to convert from there, and the best next touchpoint (associational estimates from
   *    what followed for similar customers: a shortlist to test, not a causal effect). */
  touchpoint_scores *scores = NULL;
  check(touchpoint_scorer_score_journeys(scorer, journeys, &scores), "scoring open journeys");
  size_t n = 0;
  check(touchpoint_scores_len(scores, &n), "counting scores");
  size_t *order = malloc((n ? n : 1) * sizeof *order);
  for (size_t i = 0; i < n; i++) order[i] = i;
  by_uplift_scores = scores;
  qsort(order, n, sizeof *order, by_uplift);

  /* 6. The top customers by uplift, with their next touchpoint. Row strings belong to the
   *    scores and stay valid until touchpoint_scores_free. */
  printf("%zu open customers; top by uplift:\n", n);
  printf("  %-8s %-16s %7s  %-6s %8s %9s\n", "customer", "state", "P(conv)", "next", "uplift", "net value");
  for (size_t k = 0; k < n && k < 5; k++) {
    touchpoint_score_row r;
    check(touchpoint_scores_row(scores, order[k], &r), "reading a score");
    printf("  %-8s %-16s %7.3f  ", r.customer_id, r.state, r.conversion_probability);
    if (r.best_next) { /* NULL when no candidate was ever seen after this state */
      printf("%-6s %+8.3f %9.2f\n", r.best_next, r.best_uplift, r.best_net_value);
    } else {
      printf("%-6s %8s %9s\n", "-", "-", "-");
    }
  }

  free(order);
  touchpoint_scores_free(scores);
  touchpoint_scorer_free(scorer);
  touchpoint_journeys_free(journeys);
  return 0;
}
