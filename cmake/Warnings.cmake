# Warnings on for our own code; sanitizers per target (never for the
# musl-built loader, which has no sanitizer runtime).
set(UK_WARNINGS -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wcast-align -Wformat=2)
if(UK_WERROR)
  list(APPEND UK_WARNINGS -Werror)
endif()

function(uk_warnings target)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${UK_WARNINGS}>)
endfunction()

function(uk_sanitize target)
  if(UK_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()
