# nginx: the nginx web server from Debian's source package 'nginx', built by
# nginx's own configure and make with musl-gcc (build-nginx.sh), its objects
# combined with ld -r into the app library nginx.o. Linked with boot, musl,
# gccrt and the zlib micro-library (gzip). One process (master_process off),
# configuration in nginx.conf; "ready" mode (start, bind, listen, exit 0)
# with the uk_ready directive of our module in uk_ready/:
#   nginx.elf -p build/unikernels/nginx/prefix/ [-g 'uk_ready on;']
# See docs/workloads.md.
include(${CMAKE_CURRENT_LIST_DIR}/../../libs/debian-sources.cmake)
uk_debian_source(nginx UK_NGINX_SRC)
if(NOT UK_NGINX_SRC)
  message(STATUS "uk-slt: app nginx skipped: the Debian source package 'nginx' was not fetched "
                 "(run scripts/fetch-sources.sh, then configure again)")
  return()
endif()
if(NOT zlib IN_LIST UK_THIRDPARTY_LIBS)
  message(STATUS "uk-slt: app nginx skipped: it needs the zlib micro-library (Debian source package 'zlib')")
  return()
endif()
find_program(UK_MAKE NAMES make gmake)
if(NOT UK_MAKE)
  message(WARNING "uk-slt: app nginx skipped: building nginx needs make (Debian package 'make')")
  return()
endif()

set(_uk_ngx_dir ${CMAKE_CURRENT_LIST_DIR})
set(UK_NGINX_WORK ${UK_CORPUS_DIR}/src/nginx)
set(UK_NGINX_PREFIX ${UK_CORPUS_DIR}/nginx/prefix)

# nginx's configure: modules that need a library we do not have as a
# micro-library are left out (PCRE: rewrite; OpenSSL: ssl, and so https,
# mail and stream ssl; crypt(), which Debian's musl lacks: auth_basic).
# Otherwise Debian's module set without the dynamic modules (geoip,
# image_filter, perl, xslt, mail, stream), --with-debug and threads.
set(UK_NGINX_CONFIGURE_ARGS
  --without-pcre --without-http_rewrite_module --without-http_auth_basic_module
  --with-http_v2_module --with-http_stub_status_module --with-http_realip_module
  --with-http_auth_request_module --with-http_dav_module --with-http_slice_module
  --with-http_addition_module --with-http_gunzip_module --with-http_gzip_static_module
  --with-http_random_index_module --with-http_secure_link_module --with-http_sub_module)
# The corpus flags without the warnings (upstream's are not ours) and paths
# (build-nginx.sh adds the empty <crypt.h> of compat/, zlib's headers and
# --add-module=uk_ready, relative to its work tree), no debug info (nginx's
# own flags add -g).
set(_uk_ngx_cflags ${UK_CFLAGS})
list(FILTER _uk_ngx_cflags EXCLUDE REGEX "^(-Wall|-Wextra|-I.*|-ffile-prefix-map=.*)$")
list(APPEND _uk_ngx_cflags -g0 ${UK_THIRDPARTY_CFLAGS})
list(JOIN _uk_ngx_cflags " " _uk_ngx_cc_opt)

file(GLOB _uk_ngx_deps CONFIGURE_DEPENDS ${_uk_ngx_dir}/uk_ready/* ${_uk_ngx_dir}/compat/*)
add_custom_command(OUTPUT ${UK_LIB_DIR}/nginx.o
  COMMAND sh ${_uk_ngx_dir}/build-nginx.sh ${UK_NGINX_SRC} ${_uk_ngx_dir} ${UK_NGINX_WORK} ${UK_LIB_DIR}/nginx.o
          ${UK_LIB_DIR}/zlib.o ${UK_ZLIB_INCLUDE} ${UK_MUSL_GCC} ${UK_LD} ${UK_AR} ${UK_MAKE} "${_uk_ngx_cc_opt}"
          ${UK_NGINX_CONFIGURE_ARGS}
  DEPENDS ${_uk_ngx_dir}/build-nginx.sh ${_uk_ngx_deps} ${UK_LIB_DIR}/zlib.o ${UK_NGINX_SRC}/.uk-slt-fetched
          ${UK_NGINX_SRC}/src/core/nginx.h
  COMMENT "nginx: configure and make with musl-gcc, ld -r into the app library" VERBATIM)
uk_add_app(nginx LIBS zlib)

# A prefix to run it from: conf/nginx.conf (ours), conf/mime.types and html/
# from nginx's tree, logs/.
set(_uk_ngx_prefix_files ${UK_NGINX_PREFIX}/conf/nginx.conf ${UK_NGINX_PREFIX}/conf/mime.types
    ${UK_NGINX_PREFIX}/html/index.html ${UK_NGINX_PREFIX}/html/50x.html)
add_custom_command(OUTPUT ${_uk_ngx_prefix_files}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${UK_NGINX_PREFIX}/conf ${UK_NGINX_PREFIX}/html ${UK_NGINX_PREFIX}/logs
  COMMAND ${CMAKE_COMMAND} -E copy ${_uk_ngx_dir}/nginx.conf ${UK_NGINX_SRC}/conf/mime.types ${UK_NGINX_PREFIX}/conf/
  COMMAND ${CMAKE_COMMAND} -E copy ${UK_NGINX_SRC}/html/index.html ${UK_NGINX_SRC}/html/50x.html
          ${UK_NGINX_PREFIX}/html/
  DEPENDS ${_uk_ngx_dir}/nginx.conf ${UK_NGINX_SRC}/conf/mime.types ${UK_NGINX_SRC}/html/index.html
          ${UK_NGINX_SRC}/html/50x.html
  COMMENT "nginx: prefix ${UK_NGINX_PREFIX}" VERBATIM)
add_custom_target(nginx-prefix ALL DEPENDS ${_uk_ngx_prefix_files})
