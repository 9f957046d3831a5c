/*
 * Test fixture: a C re-statement of Intel DL Streamer's GVA metadata code
 * (include/dlstreamer/gst/metadata/gva_tensor_meta.h, gva_json_meta.h and
 * src/gst/metadata/gva_tensor_meta.c, gva_json_meta.c), compiled by a C compiler so
 * that the Rust crate gva-meta can be checked against it in one process.
 *
 * The struct layouts, the registered names and the init/free/transform behaviour are
 * DL Streamer's. Only the exported function names carry a `dls_` prefix, so this
 * fixture never clashes with a real libdlstreamer loaded into the same process.
 *
 * The rest of the file (attach, read back, layout table) is test plumbing: the
 * readers go through the C struct fields (`meta->data`, `meta->message`, the ROI
 * meta's fields and params), exactly as DL Streamer's C/C++ elements do.
 */
#ifndef GVA_META_INTEROP_DLSTREAMER_META_H
#define GVA_META_INTEROP_DLSTREAMER_META_H

#include <gst/gst.h>
#include <gst/video/gstvideometa.h>

G_BEGIN_DECLS

/* ---- DL Streamer's declarations (gva_tensor_meta.h / gva_json_meta.h) ---- */

#define DLS_GVA_TENSOR_META_API_NAME "GstGVATensorMetaAPI"
#define DLS_GVA_TENSOR_META_IMPL_NAME "GstGVATensorMeta"
#define DLS_GVA_JSON_META_API_NAME "GstGVAJSONMetaAPI"
#define DLS_GVA_JSON_META_IMPL_NAME "GstGVAJSONMeta"

/* A frame-level inference result: one GstStructure per meta. */
typedef struct _GstGVATensorMeta {
    GstMeta meta;
    GstStructure *data;
} GstGVATensorMeta;

/* A JSON message (e.g. gvametaconvert's output). */
typedef struct _GstGVAJSONMeta {
    GstMeta meta;
    gchar *message;
} GstGVAJSONMeta;

GType dls_gva_tensor_meta_api_get_type(void);
const GstMetaInfo *dls_gva_tensor_meta_get_info(void);
GType dls_gva_json_meta_api_get_type(void);
const GstMetaInfo *dls_gva_json_meta_get_info(void);

/* DL Streamer's helper macros, with the dls_ functions. */
#define DLS_GVA_TENSOR_META_API_TYPE (dls_gva_tensor_meta_api_get_type())
#define DLS_GVA_TENSOR_META_INFO (dls_gva_tensor_meta_get_info())
#define DLS_GVA_TENSOR_META_GET(buf) ((GstGVATensorMeta *)gst_buffer_get_meta(buf, DLS_GVA_TENSOR_META_API_TYPE))
#define DLS_GVA_TENSOR_META_ITERATE(buf, state)                                                                     \
    ((GstGVATensorMeta *)gst_buffer_iterate_meta_filtered(buf, state, DLS_GVA_TENSOR_META_API_TYPE))
#define DLS_GVA_TENSOR_META_ADD(buf)                                                                                \
    ((GstGVATensorMeta *)gst_buffer_add_meta(buf, DLS_GVA_TENSOR_META_INFO, NULL))
#define DLS_GVA_TENSOR_META_COUNT(buf) (gst_buffer_get_n_meta(buf, DLS_GVA_TENSOR_META_API_TYPE))

#define DLS_GVA_JSON_META_API_TYPE (dls_gva_json_meta_api_get_type())
#define DLS_GVA_JSON_META_INFO (dls_gva_json_meta_get_info())
#define DLS_GVA_JSON_META_GET(buf) ((GstGVAJSONMeta *)gst_buffer_get_meta(buf, DLS_GVA_JSON_META_API_TYPE))
#define DLS_GVA_JSON_META_ITERATE(buf, state)                                                                       \
    ((GstGVAJSONMeta *)gst_buffer_iterate_meta_filtered(buf, state, DLS_GVA_JSON_META_API_TYPE))
#define DLS_GVA_JSON_META_ADD(buf) ((GstGVAJSONMeta *)gst_buffer_add_meta(buf, DLS_GVA_JSON_META_INFO, NULL))

/* DL Streamer's gva_get_tensor_data(): the bytes of the "data_buffer" GVariant (type "ay"). */
const void *dls_gva_get_tensor_data(const GstStructure *s, gsize *nbytes);
/* DL Streamer's get_json_message() / set_json_message(). */
const gchar *dls_get_json_message(const GstGVAJSONMeta *meta);
void dls_set_json_message(GstGVAJSONMeta *meta, const gchar *message);

/* ---- Test plumbing: attach from C ---- */

/*
 * Attaches a tensor meta the way DL Streamer's inference elements fill one: optional
 * structure name, then "model_name"/"layer_name" (strings, skipped when NULL),
 * "precision"/"layout" (ints), "dims" (GST_TYPE_ARRAY of guint, skipped when n_dims == 0)
 * and "data_buffer" (GVariant "ay") plus "data" (G_TYPE_POINTER into the variant's bytes),
 * skipped when data == NULL. Returns the meta, or NULL (buffer not writable).
 */
GstGVATensorMeta *dls_buffer_add_tensor_meta(GstBuffer *buffer, const gchar *name, const gchar *model_name,
                                             const gchar *layer_name, gint precision, gint layout,
                                             const guint *dims, guint n_dims, const guint8 *data, gsize n_bytes);

/* Attaches a JSON meta holding a copy of message. Returns the meta, or NULL. */
GstGVAJSONMeta *dls_buffer_add_json_meta(GstBuffer *buffer, const gchar *message);

/*
 * Attaches a region of interest as DL Streamer's (legacy) C++ VideoFrame::add_region does:
 * ROI meta with roi_type = quark(label), id = gst_util_seqnum_next(), and a "detection"
 * structure with x_min/y_min/x_max/y_max/confidence (double) and label_id (int).
 * Returns the ROI meta, or NULL.
 */
GstVideoRegionOfInterestMeta *dls_buffer_add_region(GstBuffer *buffer, const gchar *label, guint x, guint y, guint w,
                                                    guint h, gdouble x_min, gdouble y_min, gdouble x_max,
                                                    gdouble y_max, gdouble confidence, gint label_id);

/* ---- Test plumbing: read back through the struct fields ---- */

guint dls_buffer_count_tensor_metas(GstBuffer *buffer);
/* The n-th tensor meta in buffer order (walked with DLS_GVA_TENSOR_META_ITERATE), or NULL. */
const GstGVATensorMeta *dls_buffer_nth_tensor_meta(GstBuffer *buffer, guint n);
/* gst_structure_get_name(meta->data); NULL if data is NULL. */
const gchar *dls_tensor_meta_name(const GstGVATensorMeta *meta);
/* A string field of meta->data, NULL if absent or not a string. */
const gchar *dls_tensor_meta_get_string(const GstGVATensorMeta *meta, const gchar *field);
/* An int field of meta->data; FALSE if absent or not an int. */
gboolean dls_tensor_meta_get_int(const GstGVATensorMeta *meta, const gchar *field, gint *value);
/* "dims" of meta->data, as DL Streamer reads it (array of guint): the number of dims
 * (copies at most max_dims into dims), or -1 if absent or of another type. */
gint dls_tensor_meta_get_dims(const GstGVATensorMeta *meta, guint *dims, guint max_dims);
/* The "data_buffer" bytes of meta->data (dls_gva_get_tensor_data), NULL if absent. */
const guint8 *dls_tensor_meta_get_data(const GstGVATensorMeta *meta, gsize *n_bytes);

guint dls_buffer_count_json_metas(GstBuffer *buffer);
/* The n-th JSON meta in buffer order, or NULL. */
const GstGVAJSONMeta *dls_buffer_nth_json_meta(GstBuffer *buffer, guint n);

/* What C reads from a region of interest (its fields and its "detection" param). */
typedef struct {
    const gchar *label; /* g_quark_to_string(roi_type), NULL for quark 0 */
    gint id;
    gint parent_id;
    guint x, y, w, h;
    guint n_params;         /* length of the params list */
    gboolean has_detection; /* a "detection" param exists */
    gdouble x_min, y_min, x_max, y_max, confidence;
    gboolean has_label_id;
    gint label_id;
} DlsRegion;

guint dls_buffer_count_regions(GstBuffer *buffer);
/* Fills *out from the n-th GstVideoRegionOfInterestMeta; FALSE if there is none. */
gboolean dls_buffer_nth_region(GstBuffer *buffer, guint n, DlsRegion *out);

/* ---- Test plumbing: the C compiler's layout ---- */

/*
 * The index-th entry of the layout table: *name is set to e.g. "sizeof(GstGVATensorMeta)",
 * "alignof(GstGVAJSONMeta)" or "offsetof(GstVideoRegionOfInterestMeta, params)" and the
 * value is returned. Past the end, *name is set to NULL and 0 is returned.
 */
gsize dls_layout_entry(guint index, const gchar **name);

G_END_DECLS

#endif /* GVA_META_INTEROP_DLSTREAMER_META_H */
