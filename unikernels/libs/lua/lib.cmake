# liblua: the Lua 5.4 core and its standard libraries (everything in src/
# but the lua and luac programs), from Debian's source package 'lua5.4'.
# Named liblua so that the interpreter app can be called lua.
include(${CMAKE_CURRENT_LIST_DIR}/../debian-sources.cmake)
uk_debian_source(lua5.4 UK_LUA_SRC)
if(UK_LUA_SRC)
  set(UK_LUA_INCLUDE ${UK_LUA_SRC}/src)
  # Debian's luaconf.h includes a header its rules write at build time.
  file(CONFIGURE OUTPUT ${UK_CORPUS_DIR}/src/lua/lua5.4-deb-multiarch.h CONTENT
       "#ifndef _LUA_DEB_MULTIARCH_\n#define _LUA_DEB_MULTIARCH_\n#define DEB_HOST_MULTIARCH \"x86_64-linux-musl\"\n#endif\n")
  set(UK_LUA_CFLAGS ${UK_THIRDPARTY_CFLAGS} -DLUA_COMPAT_5_3 -DLUA_USE_POSIX -I${UK_LUA_INCLUDE}
      -I${UK_CORPUS_DIR}/src/lua)
  set(_uk_srcs)
  foreach(f lapi lcode lctype ldebug ldo ldump lfunc lgc llex lmem lobject lopcodes lparser lstate lstring ltable
            ltm lundump lvm lzio lauxlib lbaselib lcorolib ldblib liolib lmathlib loadlib loslib lstrlib ltablib
            lutf8lib linit)
    list(APPEND _uk_srcs ${UK_LUA_SRC}/src/${f}.c)
  endforeach()
  uk_c_library(liblua SOURCES ${_uk_srcs} CFLAGS ${UK_LUA_CFLAGS})
  uk_have_lib(liblua)
endif()
