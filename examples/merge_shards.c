/* Merge the partials the shards saved (one file each) and print every model's credits. */
#include <stdio.h>
#include <string.h>

#include "touchpoint.h"

int main(int argc, char **argv) {
  touchpoint_partial *all = NULL, *shard = NULL;
  touchpoint_comparison *cmp = NULL;
  touchpoint_result r = TOUCHPOINT_RESULT_OK;
  for (int i = 1; i < argc && r == TOUCHPOINT_RESULT_OK; i++, shard = NULL) {
    r = touchpoint_partial_load(argv[i], strlen(argv[i]), all ? &shard : &all); /* IO, MODEL_FILE */
    if (shard) r = touchpoint_partial_merge(all, shard); /* INCOMPATIBLE: another spec */
    touchpoint_partial_free(shard);
  }
  if (r == TOUCHPOINT_RESULT_OK) r = touchpoint_partial_attribute(all, &cmp); /* every model of the spec */
  size_t models = 0, rows = 0, n = 0;
  char text[1024] = "";
  if (r != TOUCHPOINT_RESULT_OK) {
    touchpoint_last_error_message(text, sizeof text, &n);
    fprintf(stderr, "%s: %s\n", touchpoint_result_str(r), text);
  } else {
    touchpoint_comparison_models(cmp, &models);
  }
  for (size_t m = 0; m < models; m++) {
    touchpoint_comparison_model_name(cmp, m, text, sizeof text, &n);
    touchpoint_comparison_rows(cmp, m, &rows);
    for (size_t i = 0; i < rows; i++) {
      touchpoint_credit c;
      touchpoint_comparison_row(cmp, m, i, &c);
      printf("%-8s %-12s %9.3f conversions %10.2f value\n", text, c.touchpoint, c.conversions, c.value);
    }
  }
  touchpoint_comparison_free(cmp);
  touchpoint_partial_free(all);
  return r == TOUCHPOINT_RESULT_OK ? 0 : 1;
}
