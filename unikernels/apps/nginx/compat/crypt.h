/*
 * <crypt.h> for nginx on Debian's musl-dev, which ships neither crypt() nor
 * this header (musl's src/crypt is left out of its libc.a). nginx's Linux
 * configuration (src/os/unix/ngx_linux_config.h) includes <crypt.h>
 * unconditionally; this empty header lets it compile. The only user of
 * crypt() is the auth_basic module, which the build leaves out
 * (--without-http_auth_basic_module, see app.cmake).
 */
#ifndef UK_NGINX_COMPAT_CRYPT_H
#define UK_NGINX_COMPAT_CRYPT_H
#endif
