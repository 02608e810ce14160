/*
 * ngx_uk_ready_module: nginx's "ready" mode for uk-slt.
 *
 *   uk_ready on;            (main context; or on the command line:
 *                            nginx -g 'uk_ready on;')
 *
 * nginx starts as usual: reads its configuration, creates the listening
 * sockets (socket, bind, listen), sets up the event loop. Then, instead of
 * serving, it checks that every listening socket really is bound and
 * listening (getsockname, SO_ACCEPTCONN), prints one line per socket on
 * stdout
 *
 *   nginx: ready: listening on 127.0.0.1:8080
 *
 * at the first turn of the event loop, and leaves through nginx's own
 * shutdown path (as on SIGQUIT: exit handlers, pid file removed, sockets
 * closed, exit status 0). This is the start-up the paper measures.
 *
 * Only with "master_process off" (a single process, as a unikernel is).
 * A socket that is not bound and listening is an error: the message goes to
 * the error log and nginx exits with status 2, as when any module fails to
 * start.
 */
#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

typedef struct {
    ngx_flag_t  ready;
} ngx_uk_ready_conf_t;

static void *ngx_uk_ready_create_conf(ngx_cycle_t *cycle);
static char *ngx_uk_ready_init_conf(ngx_cycle_t *cycle, void *conf);
static ngx_int_t ngx_uk_ready_init_process(ngx_cycle_t *cycle);
static void ngx_uk_ready_handler(ngx_event_t *ev);

static ngx_command_t ngx_uk_ready_commands[] = {

    { ngx_string("uk_ready"),
      NGX_MAIN_CONF|NGX_DIRECT_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      0,
      offsetof(ngx_uk_ready_conf_t, ready),
      NULL },

      ngx_null_command
};

static ngx_core_module_t ngx_uk_ready_module_ctx = {
    ngx_string("uk_ready"),
    ngx_uk_ready_create_conf,
    ngx_uk_ready_init_conf
};

ngx_module_t ngx_uk_ready_module = {
    NGX_MODULE_V1,
    &ngx_uk_ready_module_ctx,              /* module context */
    ngx_uk_ready_commands,                 /* module directives */
    NGX_CORE_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_uk_ready_init_process,             /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};

static ngx_event_t  ngx_uk_ready_event;


static void *
ngx_uk_ready_create_conf(ngx_cycle_t *cycle)
{
    ngx_uk_ready_conf_t  *urcf;

    urcf = ngx_pcalloc(cycle->pool, sizeof(ngx_uk_ready_conf_t));
    if (urcf == NULL) {
        return NULL;
    }

    urcf->ready = NGX_CONF_UNSET;

    return urcf;
}


static char *
ngx_uk_ready_init_conf(ngx_cycle_t *cycle, void *conf)
{
    ngx_uk_ready_conf_t  *urcf = conf;
    ngx_core_conf_t      *ccf;

    ngx_conf_init_value(urcf->ready, 0);

    if (!urcf->ready) {
        return NGX_CONF_OK;
    }

    /* ngx_core_module comes first: its configuration is complete. */
    ccf = (ngx_core_conf_t *) ngx_get_conf(cycle->conf_ctx, ngx_core_module);

    if (ccf->master) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "\"uk_ready on\" needs \"master_process off\"");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_uk_ready_init_process(ngx_cycle_t *cycle)
{
    int                   on;
    socklen_t             len;
    ngx_uint_t            i;
    ngx_listening_t      *ls;
    ngx_uk_ready_conf_t  *urcf;
    ngx_sockaddr_t        sa;

    urcf = (ngx_uk_ready_conf_t *) ngx_get_conf(cycle->conf_ctx,
                                                ngx_uk_ready_module);

    if (urcf == NULL || !urcf->ready || ngx_process != NGX_PROCESS_SINGLE) {
        return NGX_OK;
    }

    if (cycle->listening.nelts == 0) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "uk_ready: no listening sockets");
        return NGX_ERROR;
    }

    ls = cycle->listening.elts;

    for (i = 0; i < cycle->listening.nelts; i++) {

        len = sizeof(ngx_sockaddr_t);

        if (ls[i].fd == (ngx_socket_t) -1
            || getsockname(ls[i].fd, &sa.sockaddr, &len) == -1)
        {
            ngx_log_error(NGX_LOG_EMERG, cycle->log, ngx_socket_errno,
                          "uk_ready: %V is not bound", &ls[i].addr_text);
            return NGX_ERROR;
        }

        if (len != ls[i].socklen
            || ngx_cmp_sockaddr(&sa.sockaddr, len, ls[i].sockaddr,
                                ls[i].socklen, 1)
               != NGX_OK)
        {
            ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                          "uk_ready: %V is bound to another address",
                          &ls[i].addr_text);
            return NGX_ERROR;
        }

        on = 0;
        len = sizeof(int);

        if (getsockopt(ls[i].fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == -1
            || !on)
        {
            ngx_log_error(NGX_LOG_EMERG, cycle->log, ngx_socket_errno,
                          "uk_ready: %V is not listening", &ls[i].addr_text);
            return NGX_ERROR;
        }
    }

    /*
     * The event modules come before this one: the timers are set up. A
     * timer that is due at once fires in the first turn of the loop, after
     * every module's init_process.
     */
    if (ngx_event_timer_rbtree.root == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "uk_ready: the event timers are not initialised");
        return NGX_ERROR;
    }

    ngx_uk_ready_event.handler = ngx_uk_ready_handler;
    ngx_uk_ready_event.data = cycle;
    ngx_uk_ready_event.log = cycle->log;

    ngx_add_timer(&ngx_uk_ready_event, 0);

    return NGX_OK;
}


static void
ngx_uk_ready_handler(ngx_event_t *ev)
{
    u_char            *p;
    ngx_uint_t         i;
    ngx_cycle_t       *cycle = ev->data;
    ngx_listening_t   *ls;
    u_char             line[NGX_SOCKADDR_STRLEN + 64];

    ls = cycle->listening.elts;

    for (i = 0; i < cycle->listening.nelts; i++) {
        p = ngx_slprintf(line, line + sizeof(line) - 1,
                         "nginx: ready: listening on %V", &ls[i].addr_text);
        *p++ = '\n';
        (void) ngx_write_fd(ngx_stdout, line, p - line);
    }

    ngx_log_error(NGX_LOG_NOTICE, ev->log, 0, "uk_ready: ready, exiting");

    /* nginx's own shutdown path, as on SIGQUIT: exit status 0. */
    ngx_quit = 1;
}
