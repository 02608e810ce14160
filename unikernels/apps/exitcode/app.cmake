# exitcode: see exitcode.c
uk_c_library(exitcode exitcode.c)
uk_add_app(exitcode)
