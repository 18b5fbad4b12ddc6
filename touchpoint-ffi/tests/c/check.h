/* Tiny assertion helpers shared by the C tests. */
#ifndef TOUCHPOINT_TEST_CHECK_H
#define TOUCHPOINT_TEST_CHECK_H
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "touchpoint.h"

static int failures = 0;

static inline void print_last_error(void) {
  char msg[1024];
  size_t n = 0;
  if (touchpoint_last_error_message(msg, sizeof msg, &n) == TOUCHPOINT_RESULT_OK && n > 0) {
    fprintf(stderr, "    last error: %s\n", msg);
  }
}

#define CHECK_OK(expr)                                                                  \
  do {                                                                                  \
    touchpoint_result r_ = (expr);                                                      \
    if (r_ != TOUCHPOINT_RESULT_OK) {                                                   \
      fprintf(stderr, "%s:%d: %s returned %s\n", __FILE__, __LINE__, #expr,             \
              touchpoint_result_str((uint32_t)r_));                                     \
      print_last_error();                                                               \
      exit(1);                                                                          \
    }                                                                                   \
  } while (0)

#define CHECK_CODE(expr, code)                                                          \
  do {                                                                                  \
    touchpoint_result r_ = (expr);                                                      \
    if (r_ != (code)) {                                                                 \
      fprintf(stderr, "%s:%d: %s returned %s, expected %s\n", __FILE__, __LINE__, #expr, \
              touchpoint_result_str((uint32_t)r_), touchpoint_result_str((uint32_t)(code))); \
      failures++;                                                                       \
    }                                                                                   \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                           \
  do {                                                                                  \
    double a_ = (a), b_ = (b);                                                          \
    if (!(fabs(a_ - b_) <= (tol))) {                                                    \
      fprintf(stderr, "%s:%d: %s = %.9f, expected %.9f\n", __FILE__, __LINE__, #a, a_, b_); \
      failures++;                                                                       \
    }                                                                                   \
  } while (0)

#define CHECK(cond)                                                                     \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);          \
      failures++;                                                                       \
    }                                                                                   \
  } while (0)

/* The last error message must mention `needle`. */
static inline void expect_message(const char *needle, int line) {
  char msg[2048];
  size_t n = 0;
  if (touchpoint_last_error_message(msg, sizeof msg, &n) != TOUCHPOINT_RESULT_OK || strstr(msg, needle) == NULL) {
    fprintf(stderr, "line %d: last error %s does not mention %s\n", line, msg, needle);
    failures++;
  }
}
#define EXPECT_MESSAGE(needle) expect_message((needle), __LINE__)

/* Credit of `name` in model `model` of a result set (NaN when absent). */
static inline double credit(const touchpoint_comparison *cmp, size_t model, const char *name, int value) {
  size_t rows = 0;
  CHECK_OK(touchpoint_comparison_rows(cmp, model, &rows));
  for (size_t i = 0; i < rows; i++) {
    touchpoint_credit c;
    CHECK_OK(touchpoint_comparison_row(cmp, model, i, &c));
    if (c.touchpoint_len == strlen(name) && memcmp(c.touchpoint, name, c.touchpoint_len) == 0) {
      return value ? c.value : c.conversions;
    }
  }
  return NAN;
}

#define S(lit) (lit), (sizeof(lit) - 1)

#endif
