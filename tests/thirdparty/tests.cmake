# Third-party workloads (zlib, SQLite, Lua; image and matrix apps): every app
# in every mode, and each compared with an independent reference on the host.
# Apps whose Debian sources were not fetched are skipped with the reason.
find_package(ZLIB QUIET)
if(NOT ZLIB_FOUND)
  message(FATAL_ERROR "zlib not found: install the Debian package 'zlib1g-dev' (scripts/setup.sh does this)")
endif()

# Host programs for the reference tests; a missing one fails its test with
# the package to install.
find_program(UK_HOST_SQLITE3 sqlite3)
find_program(UK_HOST_LUA lua5.4)
set(host_speedtest1 "")
pkg_check_modules(HOST_SQLITE3 QUIET IMPORTED_TARGET sqlite3)
if(sqlite IN_LIST UK_THIRDPARTY_LIBS AND HOST_SQLITE3_FOUND)
  # SQLite's own benchmark, unmodified, on the host's libsqlite3 (Debian
  # builds it with R-Tree): the reference for sqlite-speed.
  add_executable(uk-host-speedtest1 ${UK_DEBIAN_SRC_DIR}/sqlite3/test/speedtest1.c)
  target_compile_options(uk-host-speedtest1 PRIVATE -w)
  target_compile_definitions(uk-host-speedtest1 PRIVATE SQLITE_ENABLE_RTREE)
  target_link_libraries(uk-host-speedtest1 PRIVATE PkgConfig::HOST_SQLITE3)
  set(host_speedtest1 $<TARGET_FILE:uk-host-speedtest1>)
endif()

list(JOIN UK_APPS "," tp_apps)
list(JOIN UK_THIRDPARTY_MISSING "," tp_missing)
add_executable(uk-thirdparty-tests thirdparty/workload.cc thirdparty/test_every_mode.cc thirdparty/test_references.cc)
target_include_directories(uk-thirdparty-tests PRIVATE ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(uk-thirdparty-tests PRIVATE uk_test_support ZLIB::ZLIB GTest::gtest_main)
target_compile_definitions(uk-thirdparty-tests PRIVATE
  UK_TP_APPS="${tp_apps}" UK_TP_MISSING_SOURCES="${tp_missing}" UK_TP_SOURCE_DIR="${UK_DEBIAN_SRC_DIR}"
  UK_TP_HOST_SQLITE3="$<$<BOOL:${UK_HOST_SQLITE3}>:${UK_HOST_SQLITE3}>"
  UK_TP_HOST_LUA="$<$<BOOL:${UK_HOST_LUA}>:${UK_HOST_LUA}>"
  UK_TP_HOST_SPEEDTEST1="${host_speedtest1}")
uk_warnings(uk-thirdparty-tests)
uk_sanitize(uk-thirdparty-tests)
add_dependencies(uk-thirdparty-tests corpus uk-slt-run)
if(TARGET uk-host-speedtest1)
  add_dependencies(uk-thirdparty-tests uk-host-speedtest1)
endif()
gtest_discover_tests(uk-thirdparty-tests DISCOVERY_TIMEOUT 60)

# nginx (unikernels/apps/nginx): ready mode, serving (curl as the client),
# configuration errors, every way it runs (direct ELF, uk-slt-run and, when
# the dynamic loader is part of the build, uk-dyn-run with nginx.so).
find_program(UK_HOST_CURL curl)
set(nginx_built 0)
if(nginx IN_LIST UK_APPS)
  set(nginx_built 1)
endif()
set(nginx_dyn 0)
if(nginx_built AND TARGET uk-dyn-run AND TARGET dyncorpus)
  set(nginx_dyn 1)
endif()
add_executable(uk-nginx-tests thirdparty/test_nginx.cc)
target_include_directories(uk-nginx-tests PRIVATE ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(uk-nginx-tests PRIVATE uk_test_support ZLIB::ZLIB GTest::gtest_main)
target_compile_definitions(uk-nginx-tests PRIVATE
  UK_NGINX_BUILT=${nginx_built} UK_NGINX_DYN=${nginx_dyn}
  UK_NGINX_MISSING_SOURCES="${tp_missing}" UK_NGINX_SOURCE_DIR="${UK_DEBIAN_SRC_DIR}"
  UK_NGINX_CONF="${CMAKE_SOURCE_DIR}/unikernels/apps/nginx/nginx.conf"
  UK_NGINX_PREFIX="${UK_CORPUS_DIR}/nginx/prefix"
  UK_NGINX_CURL="$<$<BOOL:${UK_HOST_CURL}>:${UK_HOST_CURL}>")
uk_warnings(uk-nginx-tests)
uk_sanitize(uk-nginx-tests)
add_dependencies(uk-nginx-tests corpus uk-slt-run)
if(TARGET nginx-prefix)
  add_dependencies(uk-nginx-tests nginx-prefix)
endif()
if(nginx_dyn)
  add_dependencies(uk-nginx-tests uk-dyn-run dyncorpus)
endif()
gtest_discover_tests(uk-nginx-tests DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 120)
