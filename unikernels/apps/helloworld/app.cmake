# helloworld: see helloworld.c
uk_c_library(helloworld helloworld.c)
uk_add_app(helloworld)
