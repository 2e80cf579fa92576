#ifndef MSCREG_CLIBPQ_SHIM_H
#define MSCREG_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
