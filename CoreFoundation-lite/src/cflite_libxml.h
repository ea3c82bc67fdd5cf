/* What both XML readers need to say alike across libxml2 versions. */
#ifndef CFLITE_LIBXML_H
#define CFLITE_LIBXML_H

#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>

/* libxml2 2.12 passes structured error callbacks a const xmlError (its NEWS, v2.12.0). */
#if LIBXML_VERSION >= 21200
typedef const xmlError xml_error_t;
#else
typedef xmlError xml_error_t;
#endif

#endif
