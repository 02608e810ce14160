# Upstream sources of the third-party micro-libraries: Debian source packages
# unpacked by scripts/fetch-sources.sh (run by scripts/setup.sh) into a cache
# outside the source tree, never committed. Included by each libs/*/lib.cmake.
include_guard(GLOBAL)

if(DEFINED ENV{UK_SLT_CACHE} AND NOT "$ENV{UK_SLT_CACHE}" STREQUAL "")
  set(_uk_src_default "$ENV{UK_SLT_CACHE}/debian-src")
else()
  set(_uk_src_default "$ENV{HOME}/.cache/uk-slt/debian-src")
endif()
set(UK_DEBIAN_SRC_DIR "${_uk_src_default}" CACHE PATH
    "Debian source packages unpacked by scripts/fetch-sources.sh (same default: \${UK_SLT_CACHE:-\$HOME/.cache/uk-slt}/debian-src)")

# Third-party libraries found (uk_have_lib) and Debian packages missing, for
# the apps and the tests. Reset on every configure.
set(UK_THIRDPARTY_LIBS "" CACHE INTERNAL "")
set(UK_THIRDPARTY_MISSING "" CACHE INTERNAL "")

# Re-run the configure step when a fetch writes the cached versions; while
# there are none, when the nearest existing directory on the way to them
# changes, so that sources fetched after configuring are picked up.
set(_uk_src_dep ${UK_DEBIAN_SRC_DIR}/versions.txt)
while(NOT EXISTS ${_uk_src_dep})
  get_filename_component(_uk_src_dep ${_uk_src_dep} DIRECTORY)
endwhile()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_uk_src_dep})

# uk_debian_source(PACKAGE VAR): VAR = the unpacked tree of Debian source
# package PACKAGE (resolved, so object paths name the version), or "" with
# a message saying what to run.
function(uk_debian_source package var)
  set(dir ${UK_DEBIAN_SRC_DIR}/${package})
  if(EXISTS ${dir}/.uk-slt-fetched)
    file(REAL_PATH ${dir} real)
    file(STRINGS ${dir}/.uk-slt-fetched version LIMIT_COUNT 1)
    message(STATUS "uk-slt: third-party source ${version} in ${real}")
    set(${var} ${real} PARENT_SCOPE)
  else()
    message(WARNING "uk-slt: Debian source package '${package}' is not in ${UK_DEBIAN_SRC_DIR}: "
                    "run scripts/fetch-sources.sh (scripts/setup.sh does), then configure again. "
                    "The apps that need it are skipped.")
    set(UK_THIRDPARTY_MISSING ${UK_THIRDPARTY_MISSING} ${package} CACHE INTERNAL "")
    set(${var} "" PARENT_SCOPE)
  endif()
endfunction()

# uk_have_lib(NAME): the third-party library NAME is defined.
function(uk_have_lib name)
  set(UK_THIRDPARTY_LIBS ${UK_THIRDPARTY_LIBS} ${name} CACHE INTERNAL "")
endfunction()

# Flags for third-party code: upstream's warnings are not ours to fix.
set(UK_THIRDPARTY_CFLAGS -w)
