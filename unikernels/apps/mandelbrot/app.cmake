# mandelbrot: see mandelbrot.c
uk_c_library(mandelbrot mandelbrot.c)
uk_add_app(mandelbrot)
