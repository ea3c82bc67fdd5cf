/*
 * What both XML readers need to say alike across libxml2 versions, and the
 * libxml2 functions they call: through a table filled when libxml2 is first
 * needed (cflite_libxml_load.c), not by linking it.
 */
#ifndef CFLITE_LIBXML_H
#define CFLITE_LIBXML_H

#include <CoreFoundation/CFError.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlstring.h>
#include <libxml/xmlversion.h>

/* libxml2 2.12 passes structured error callbacks a const xmlError (its NEWS, v2.12.0). */
#if LIBXML_VERSION >= 21200
typedef const xmlError xml_error_t;
#else
typedef xmlError xml_error_t;
#endif

/* Every libxml2 function the readers call; X(name) once each. */
#define CFLITE_LIBXML_FUNCTIONS(X) \
	X(xmlCreateMemoryParserCtxt) \
	X(xmlCtxtUseOptions) \
	X(xmlDocGetRootElement) \
	X(xmlFreeDoc) \
	X(xmlFreeParserCtxt) \
	X(xmlGetLineNo) \
	X(xmlInitParser) \
	X(xmlParseDocument) \
	X(xmlSAX2GetLineNumber) \
	X(xmlStopParser) \
	X(xmlStrEqual)

/* Pointers typed by libxml2's own declarations, named as its functions. */
struct cflite_libxml {
#define CFLITE_LIBXML_POINTER(name) __typeof__(name) *name;
	CFLITE_LIBXML_FUNCTIONS(CFLITE_LIBXML_POINTER)
#undef CFLITE_LIBXML_POINTER
};

/*
 * libxml2, loaded and initialised (xmlInitParser) on the first call, then
 * the same table for the life of the process. NULL when it cannot be
 * loaded, with *error (if error is not NULL) a CFError naming the library
 * and the reason.
 */
const struct cflite_libxml *cflite_libxml(CFErrorRef *error);

#endif
