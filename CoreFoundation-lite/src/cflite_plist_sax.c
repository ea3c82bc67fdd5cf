/*
 * XML property lists read through libxml2's SAX2 interface, CF objects made
 * as the elements end, without the tree (which cost several times the
 * parsing itself for a kext's Info.plist, read once a kext).
 *
 * It only ever succeeds: any libxml2 diagnostic, entity declaration or
 * reference, namespace prefix, unexpected element or text, a bad value or
 * nesting past the limit makes it give up, and the
 * tree reader (CFPropertyListXMLParse.c) reads the file or says what is
 * wrong with it, so values and messages are the tree's. What it accepts,
 * the tree reads to an equal value (tests compare the two,
 * CFLitePropertyListCreateWithXMLTree). Nesting is bounded here; the caller
 * bounds attributes (CFPropertyListXMLParse.c).
 */
#include "cflite_internal.h"
#include "cflite_libxml.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>

#include <stdbool.h>
#include <string.h>

/* containers up to K_ARRAY, leaves after */
enum kind {
	K_PLIST, K_DICT, K_ARRAY, K_KEY, K_STRING, K_INTEGER, K_TRUE, K_FALSE, K_REAL, K_DATA,
	K_DATE,
};

struct frame {
	enum kind kind;
	CFTypeRef obj;		/* container being filled, or <plist>'s value */
	CFStringRef key;	/* a <dict>'s key waiting for its value */
};

struct sax {
	const struct cflite_libxml *lx;
	CFOptionFlags opts;
	bool bail;		/* leave it to the tree */
	int depth;		/* containers open, as the tree counts them */
	size_t top;		/* frames in use */
	struct frame stack[kCFLitePropertyListMaxDepth + 3];	/* plist, containers, leaf */
	struct cflite_buf text;	/* the open leaf's text */
	CFTypeRef result;
};

static struct sax *
state(void *ctx)
{
	return ((xmlParserCtxtPtr)ctx)->_private;
}

static void
give_up(void *ctx)
{
	struct sax *s = state(ctx);

	s->bail = true;
	s->lx->xmlStopParser(ctx);
}

static const struct {
	const char *name;
	enum kind kind;
} kinds[] = {
	{ "string", K_STRING }, { "key", K_KEY }, { "dict", K_DICT }, { "integer", K_INTEGER },
	{ "array", K_ARRAY }, { "true", K_TRUE }, { "false", K_FALSE }, { "real", K_REAL },
	{ "data", K_DATA }, { "date", K_DATE },
};

static bool
kind_of(const xmlChar *name, enum kind *k)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp((const char *)name, kinds[i].name) == 0) {
			*k = kinds[i].kind;
			return true;
		}
	}
	return false;
}

static void
start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *URI,
    int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
    const xmlChar **attributes)
{
	struct sax *s = state(ctx);
	struct frame *up = s->top > 0 ? &s->stack[s->top - 1] : NULL;
	enum kind k;

	(void)URI;
	(void)nb_namespaces;
	(void)namespaces;
	(void)nb_attributes;
	(void)nb_defaulted;
	(void)attributes;
	if (s->bail)
		return;
	/* an unbound prefix is part of the tree's name; leave prefixes to it */
	if (prefix != NULL || !kind_of(localname, &k)) {
		if (up == NULL && prefix == NULL && strcmp((const char *)localname, "plist") == 0)
			k = K_PLIST;
		else
			return give_up(ctx);
	}
	if (up != NULL) {
		bool want_key = up->kind == K_DICT && up->key == NULL;

		if (up->kind > K_ARRAY || (up->kind == K_PLIST && up->obj != NULL) ||
		    want_key != (k == K_KEY))
			return give_up(ctx);
	} else if (k == K_KEY)
		return give_up(ctx);
	if (k == K_DICT || k == K_ARRAY) {
		if (++s->depth > kCFLitePropertyListMaxDepth)
			return give_up(ctx);	/* the tree says how deep */
		s->stack[s->top] = (struct frame){ .kind = k,
		    .obj = k == K_DICT ? (CFTypeRef)CFDictionaryCreateMutable(NULL, 0,
		    &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks) :
		    (CFTypeRef)CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks) };
		if (s->stack[s->top].obj == NULL)
			return give_up(ctx);
	} else
		s->stack[s->top] = (struct frame){ .kind = k };
	s->top++;
	s->text.len = 0;
}

/* Text inside a leaf is its value; inside a container only blanks may be. */
static void
characters(void *ctx, const xmlChar *ch, int len)
{
	struct sax *s = state(ctx);

	if (s->bail || s->top == 0)
		return;
	if (s->stack[s->top - 1].kind > K_ARRAY)
		cflite_buf_add(&s->text, ch, (size_t)len);
	else if (!cflite_xml_blank((const char *)ch, (size_t)len))
		give_up(ctx);
}

static CFTypeRef
leaf_value(struct sax *s, enum kind k)
{
	bool leaves = (s->opts & kCFPropertyListMutableContainersAndLeaves) != 0;
	const char *why;

	if (s->text.failed)
		return NULL;
	switch (k) {
	case K_KEY:	/* keys are never mutable, whatever the options */
	case K_STRING:
		return cflite_string_create_utf8(s->text.p != NULL ? s->text.p : "", s->text.len,
		    k == K_STRING && leaves);
	case K_INTEGER:
		return cflite_plist_integer(s->text.p != NULL ? s->text.p : "", s->text.len, &why);
	case K_TRUE:
	case K_FALSE:
		if (!cflite_xml_blank(s->text.p, s->text.len))
			return NULL;
		return k == K_TRUE ? kCFBooleanTrue : kCFBooleanFalse;
	case K_REAL:
		return cflite_plist_text_leaf(CFLITE_PLIST_REAL, &s->text, s->opts);
	case K_DATA:
		return cflite_plist_text_leaf(CFLITE_PLIST_DATA, &s->text, s->opts);
	case K_DATE:
		return cflite_plist_text_leaf(CFLITE_PLIST_DATE, &s->text, s->opts);
	default:
		return NULL;
	}
}

static void
end_element(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *URI)
{
	struct sax *s = state(ctx);
	struct frame *f, *up;
	CFTypeRef v;

	(void)localname;
	(void)prefix;
	(void)URI;
	if (s->bail || s->top == 0)
		return;
	f = &s->stack[--s->top];
	up = s->top > 0 ? &s->stack[s->top - 1] : NULL;
	switch (f->kind) {
	case K_PLIST:
		s->result = f->obj;	/* NULL when empty: the tree says so */
		if (s->result == NULL)
			give_up(ctx);
		return;
	case K_DICT:
	case K_ARRAY:
		s->depth--;
		v = f->obj;
		if (f->key != NULL) {
			CFRelease(f->key);	/* a key without a value */
			CFRelease(v);
			return give_up(ctx);
		}
		if ((s->opts & (kCFPropertyListMutableContainers |
		    kCFPropertyListMutableContainersAndLeaves)) == 0)
			cflite_make_immutable(v);
		break;
	default:
		if ((v = leaf_value(s, f->kind)) == NULL)
			return give_up(ctx);
		break;
	}
	if (up == NULL)
		s->result = v;
	else if (up->kind == K_PLIST)
		up->obj = v;
	else if (up->kind == K_ARRAY) {
		CFArrayAppendValue((CFMutableArrayRef)up->obj, v);
		CFRelease(v);
	} else if (up->key == NULL)
		up->key = v;
	else {
		CFDictionarySetValue((CFMutableDictionaryRef)up->obj, up->key, v);	/* last wins */
		CFRelease(up->key);
		CFRelease(v);
		up->key = NULL;
	}
}

static void
refuse_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *publicId,
    const xmlChar *systemId, xmlChar *content)
{
	(void)name;
	(void)type;
	(void)publicId;
	(void)systemId;
	(void)content;
	give_up(ctx);
}

static void
refuse_unparsed_entity_decl(void *ctx, const xmlChar *name, const xmlChar *publicId,
    const xmlChar *systemId, const xmlChar *notationName)
{
	(void)name;
	(void)publicId;
	(void)systemId;
	(void)notationName;
	give_up(ctx);
}

static void
refuse_reference(void *ctx, const xmlChar *name)
{
	(void)name;
	give_up(ctx);
}

/* Any diagnostic, even a warning: the tree decides, and words it. */
static void
any_error(void *ctx, xml_error_t *error)
{
	(void)error;
	if (ctx != NULL)
		give_up(ctx);
}

bool
cflite_plist_parse_sax(const char *bytes, size_t n, CFOptionFlags opts, CFPropertyListRef *out)
{
	struct sax state = { .opts = opts }, *s = &state;
	xmlParserCtxtPtr ctxt;
	bool ok;

	*out = NULL;
	if (n > (size_t)kCFLitePropertyListMaxSize)
		return false;
	/* not loadable: the tree reader says why */
	if ((s->lx = cflite_libxml(NULL)) == NULL ||
	    (ctxt = s->lx->xmlCreateMemoryParserCtxt(bytes, (int)n)) == NULL)
		return false;
	/*
	 * Only these callbacks: no document is built, nothing external is
	 * resolved (no resolveEntity, externalSubset or getEntity), comments
	 * and processing instructions are ignored as the tree reader does.
	 */
	memset(ctxt->sax, 0, sizeof(*ctxt->sax));
	ctxt->sax->initialized = XML_SAX2_MAGIC;
	ctxt->sax->startElementNs = start_element;
	ctxt->sax->endElementNs = end_element;
	ctxt->sax->characters = characters;
	ctxt->sax->ignorableWhitespace = characters;
	ctxt->sax->cdataBlock = characters;
	ctxt->sax->reference = refuse_reference;
	ctxt->sax->entityDecl = refuse_entity_decl;
	ctxt->sax->unparsedEntityDecl = refuse_unparsed_entity_decl;
	ctxt->sax->serror = any_error;
	ctxt->_private = s;
	/* the tree reader's options: no DTD loading, no entity substitution */
	s->lx->xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_BIG_LINES);

	s->lx->xmlParseDocument(ctxt);
	ok = !s->bail && ctxt->wellFormed && s->result != NULL && s->top == 0;
	if (ctxt->myDoc != NULL)
		s->lx->xmlFreeDoc(ctxt->myDoc);
	ctxt->myDoc = NULL;
	s->lx->xmlFreeParserCtxt(ctxt);
	if (ok)
		*out = s->result;
	else {
		if (s->result != NULL)
			CFRelease(s->result);
		for (size_t i = 0; i < s->top; i++) {
			if (s->stack[i].obj != NULL)
				CFRelease(s->stack[i].obj);
			if (s->stack[i].key != NULL)
				CFRelease(s->stack[i].key);
		}
	}
	cflite_buf_free(&s->text);
	return ok;
}
