# matrix-perf: see matrix-perf.c
uk_c_library(matrix-perf matrix-perf.c)
uk_add_app(matrix-perf)
