# cat: see cat.c
uk_c_library(cat cat.c)
uk_add_app(cat)
