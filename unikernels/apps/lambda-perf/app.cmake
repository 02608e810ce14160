# lambda-perf: see lambda-perf.c
uk_c_library(lambda-perf lambda-perf.c)
uk_add_app(lambda-perf)
