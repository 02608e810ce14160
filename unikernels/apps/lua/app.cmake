# lua: the Lua 5.4 stand-alone interpreter (src/lua.c of the lua5.4 source
# package) on the liblua micro-library: `lua SCRIPT [ARGS...]`.
if(NOT liblua IN_LIST UK_THIRDPARTY_LIBS)
  return()
endif()
uk_c_library(lua ${UK_LUA_SRC}/src/lua.c CFLAGS ${UK_LUA_CFLAGS})
uk_add_app(lua LIBS liblua)
