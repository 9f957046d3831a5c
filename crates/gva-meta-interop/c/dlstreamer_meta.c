/*
 * Test fixture: DL Streamer's GVA metadata code re-stated in C (see dlstreamer_meta.h).
 *
 * Registration, init, free and transform below behave as DL Streamer's
 * src/gst/metadata/gva_tensor_meta.c and gva_json_meta.c: the API types are registered
 * unconditionally inside g_once_init_enter (so, like the real library, this code emits a
 * GLib CRITICAL if another copy registered the names first), with no tags.
 */
#include "dlstreamer_meta.h"

#include <stddef.h>
#include <string.h>

/* ======================= GstGVATensorMeta (gva_tensor_meta.c) ======================= */

GType dls_gva_tensor_meta_api_get_type(void) {
    static GType type;
    static const gchar *tags[] = {NULL};

    if (g_once_init_enter(&type)) {
        GType registered = gst_meta_api_type_register(DLS_GVA_TENSOR_META_API_NAME, tags);
        g_once_init_leave(&type, registered);
    }
    return type;
}

static gboolean dls_gva_tensor_meta_init(GstMeta *meta, gpointer params, GstBuffer *buffer) {
    (void)params;
    (void)buffer;

    GstGVATensorMeta *tensor_meta = (GstGVATensorMeta *)meta;
    tensor_meta->data = gst_structure_new_empty("meta");
    return TRUE;
}

static void dls_gva_tensor_meta_free(GstMeta *meta, GstBuffer *buffer) {
    (void)buffer;

    GstGVATensorMeta *tensor_meta = (GstGVATensorMeta *)meta;
    if (tensor_meta->data) {
        gst_structure_remove_all_fields(tensor_meta->data);
        gst_structure_free(tensor_meta->data);
        tensor_meta->data = NULL;
    }
}

static gboolean dls_gva_tensor_meta_transform(GstBuffer *dest_buf, GstMeta *src_meta, GstBuffer *src_buf,
                                              GQuark type, gpointer data) {
    (void)src_buf;
    (void)type;
    (void)data;

    g_return_val_if_fail(gst_buffer_is_writable(dest_buf), FALSE);

    GstGVATensorMeta *dst = DLS_GVA_TENSOR_META_ADD(dest_buf);
    GstGVATensorMeta *src = (GstGVATensorMeta *)src_meta;

    if (dst->data) {
        gst_structure_remove_all_fields(dst->data);
        gst_structure_free(dst->data);
    }
    dst->data = gst_structure_copy(src->data);
    return TRUE;
}

const GstMetaInfo *dls_gva_tensor_meta_get_info(void) {
    static const GstMetaInfo *meta_info = NULL;

    if (g_once_init_enter(&meta_info)) {
        const GstMetaInfo *registered =
            gst_meta_register(dls_gva_tensor_meta_api_get_type(), DLS_GVA_TENSOR_META_IMPL_NAME,
                              sizeof(GstGVATensorMeta), dls_gva_tensor_meta_init, dls_gva_tensor_meta_free,
                              dls_gva_tensor_meta_transform);
        g_once_init_leave(&meta_info, registered);
    }
    return meta_info;
}

const void *dls_gva_get_tensor_data(const GstStructure *s, gsize *nbytes) {
    const GValue *value = gst_structure_get_value(s, "data_buffer");
    if (!value || !G_VALUE_HOLDS_VARIANT(value))
        return NULL;
    GVariant *variant = g_value_get_variant(value);
    if (!variant)
        return NULL;
    return g_variant_get_fixed_array(variant, nbytes, 1);
}

/* ======================= GstGVAJSONMeta (gva_json_meta.c) ======================= */

GType dls_gva_json_meta_api_get_type(void) {
    static GType type;
    static const gchar *tags[] = {NULL};

    if (g_once_init_enter(&type)) {
        GType registered = gst_meta_api_type_register(DLS_GVA_JSON_META_API_NAME, tags);
        g_once_init_leave(&type, registered);
    }
    return type;
}

static gboolean dls_gva_json_meta_init(GstMeta *meta, gpointer params, GstBuffer *buffer) {
    (void)params;
    (void)buffer;

    GstGVAJSONMeta *json_meta = (GstGVAJSONMeta *)meta;
    json_meta->message = NULL;
    return TRUE;
}

static gboolean dls_gva_json_meta_transform(GstBuffer *dest_buf, GstMeta *src_meta, GstBuffer *src_buf,
                                            GQuark type, gpointer data) {
    (void)src_buf;
    (void)type;
    (void)data;

    g_return_val_if_fail(gst_buffer_is_writable(dest_buf), FALSE);

    GstGVAJSONMeta *dst = DLS_GVA_JSON_META_ADD(dest_buf);
    GstGVAJSONMeta *src = (GstGVAJSONMeta *)src_meta;

    if (dst->message)
        g_free(dst->message);
    dst->message = g_strdup(src->message);
    return TRUE;
}

static void dls_gva_json_meta_free(GstMeta *meta, GstBuffer *buffer) {
    (void)buffer;

    GstGVAJSONMeta *json_meta = (GstGVAJSONMeta *)meta;
    if (json_meta->message) {
        g_free(json_meta->message);
        json_meta->message = NULL;
    }
}

const GstMetaInfo *dls_gva_json_meta_get_info(void) {
    static const GstMetaInfo *meta_info = NULL;

    if (g_once_init_enter(&meta_info)) {
        const GstMetaInfo *registered =
            gst_meta_register(dls_gva_json_meta_api_get_type(), DLS_GVA_JSON_META_IMPL_NAME,
                              sizeof(GstGVAJSONMeta), dls_gva_json_meta_init, dls_gva_json_meta_free,
                              dls_gva_json_meta_transform);
        g_once_init_leave(&meta_info, registered);
    }
    return meta_info;
}

const gchar *dls_get_json_message(const GstGVAJSONMeta *meta) {
    return meta->message;
}

void dls_set_json_message(GstGVAJSONMeta *meta, const gchar *message) {
    dls_gva_json_meta_free((GstMeta *)meta, NULL);
    meta->message = g_strdup(message);
}

/* ======================= Test plumbing: attach from C ======================= */

GstGVATensorMeta *dls_buffer_add_tensor_meta(GstBuffer *buffer, const gchar *name, const gchar *model_name,
                                             const gchar *layer_name, gint precision, gint layout,
                                             const guint *dims, guint n_dims, const guint8 *data, gsize n_bytes) {
    g_return_val_if_fail(GST_IS_BUFFER(buffer), NULL);
    if (!gst_buffer_is_writable(buffer))
        return NULL;

    GstGVATensorMeta *meta = DLS_GVA_TENSOR_META_ADD(buffer);
    if (!meta)
        return NULL;
    GstStructure *s = meta->data;

    if (name)
        gst_structure_set_name(s, name);
    if (model_name)
        gst_structure_set(s, "model_name", G_TYPE_STRING, model_name, NULL);
    if (layer_name)
        gst_structure_set(s, "layer_name", G_TYPE_STRING, layer_name, NULL);
    gst_structure_set(s, "precision", G_TYPE_INT, precision, "layout", G_TYPE_INT, layout, NULL);

    if (n_dims > 0) {
        GValue array = G_VALUE_INIT;
        gst_value_array_init(&array, n_dims);
        for (guint i = 0; i < n_dims; i++) {
            GValue item = G_VALUE_INIT;
            g_value_init(&item, G_TYPE_UINT);
            g_value_set_uint(&item, dims[i]);
            gst_value_array_append_and_take_value(&array, &item);
        }
        gst_structure_take_value(s, "dims", &array);
    }

    if (data) {
        /* As DL Streamer's copy_buffer_to_structure(): the blob as a GVariant "ay", and a
         * raw pointer to its bytes in "data". */
        GVariant *variant = g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data, n_bytes, 1);
        gsize n_elements = 0;
        gst_structure_set(s, "data_buffer", G_TYPE_VARIANT, variant, "data", G_TYPE_POINTER,
                          g_variant_get_fixed_array(variant, &n_elements, 1), NULL);
    }
    return meta;
}

GstGVAJSONMeta *dls_buffer_add_json_meta(GstBuffer *buffer, const gchar *message) {
    g_return_val_if_fail(GST_IS_BUFFER(buffer), NULL);
    if (!gst_buffer_is_writable(buffer))
        return NULL;

    GstGVAJSONMeta *meta = DLS_GVA_JSON_META_ADD(buffer);
    if (!meta)
        return NULL;
    dls_set_json_message(meta, message);
    return meta;
}

GstVideoRegionOfInterestMeta *dls_buffer_add_region(GstBuffer *buffer, const gchar *label, guint x, guint y, guint w,
                                                    guint h, gdouble x_min, gdouble y_min, gdouble x_max,
                                                    gdouble y_max, gdouble confidence, gint label_id) {
    g_return_val_if_fail(GST_IS_BUFFER(buffer), NULL);
    if (!gst_buffer_is_writable(buffer))
        return NULL;

    GstVideoRegionOfInterestMeta *meta = gst_buffer_add_video_region_of_interest_meta(buffer, label, x, y, w, h);
    if (!meta)
        return NULL;
    meta->id = (gint)gst_util_seqnum_next();

    GstStructure *detection =
        gst_structure_new("detection", "x_min", G_TYPE_DOUBLE, x_min, "x_max", G_TYPE_DOUBLE, x_max, "y_min",
                          G_TYPE_DOUBLE, y_min, "y_max", G_TYPE_DOUBLE, y_max, "confidence", G_TYPE_DOUBLE,
                          confidence, "label_id", G_TYPE_INT, label_id, NULL);
    gst_video_region_of_interest_meta_add_param(meta, detection);
    return meta;
}

/* ======================= Test plumbing: read back ======================= */

guint dls_buffer_count_tensor_metas(GstBuffer *buffer) {
    return DLS_GVA_TENSOR_META_COUNT(buffer);
}

const GstGVATensorMeta *dls_buffer_nth_tensor_meta(GstBuffer *buffer, guint n) {
    gpointer state = NULL;
    GstGVATensorMeta *meta;
    guint i = 0;
    while ((meta = DLS_GVA_TENSOR_META_ITERATE(buffer, &state))) {
        if (i++ == n)
            return meta;
    }
    return NULL;
}

const gchar *dls_tensor_meta_name(const GstGVATensorMeta *meta) {
    return meta->data ? gst_structure_get_name(meta->data) : NULL;
}

const gchar *dls_tensor_meta_get_string(const GstGVATensorMeta *meta, const gchar *field) {
    return meta->data ? gst_structure_get_string(meta->data, field) : NULL;
}

gboolean dls_tensor_meta_get_int(const GstGVATensorMeta *meta, const gchar *field, gint *value) {
    return meta->data ? gst_structure_get_int(meta->data, field, value) : FALSE;
}

gint dls_tensor_meta_get_dims(const GstGVATensorMeta *meta, guint *dims, guint max_dims) {
    if (!meta->data)
        return -1;
    const GValue *array = gst_structure_get_value(meta->data, "dims");
    if (!array || !GST_VALUE_HOLDS_ARRAY(array))
        return -1;
    guint n = gst_value_array_get_size(array);
    for (guint i = 0; i < n; i++) {
        const GValue *item = gst_value_array_get_value(array, i);
        if (!G_VALUE_HOLDS_UINT(item))
            return -1;
        if (i < max_dims)
            dims[i] = g_value_get_uint(item);
    }
    return (gint)n;
}

const guint8 *dls_tensor_meta_get_data(const GstGVATensorMeta *meta, gsize *n_bytes) {
    *n_bytes = 0;
    return meta->data ? dls_gva_get_tensor_data(meta->data, n_bytes) : NULL;
}

guint dls_buffer_count_json_metas(GstBuffer *buffer) {
    return gst_buffer_get_n_meta(buffer, DLS_GVA_JSON_META_API_TYPE);
}

const GstGVAJSONMeta *dls_buffer_nth_json_meta(GstBuffer *buffer, guint n) {
    gpointer state = NULL;
    GstGVAJSONMeta *meta;
    guint i = 0;
    while ((meta = DLS_GVA_JSON_META_ITERATE(buffer, &state))) {
        if (i++ == n)
            return meta;
    }
    return NULL;
}

guint dls_buffer_count_regions(GstBuffer *buffer) {
    return gst_buffer_get_n_meta(buffer, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE);
}

gboolean dls_buffer_nth_region(GstBuffer *buffer, guint n, DlsRegion *out) {
    gpointer state = NULL;
    GstMeta *meta;
    guint i = 0;
    memset(out, 0, sizeof(*out));
    while ((meta = gst_buffer_iterate_meta_filtered(buffer, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
        if (i++ != n)
            continue;
        const GstVideoRegionOfInterestMeta *roi = (const GstVideoRegionOfInterestMeta *)meta;
        out->label = roi->roi_type ? g_quark_to_string(roi->roi_type) : NULL;
        out->id = roi->id;
        out->parent_id = roi->parent_id;
        out->x = roi->x;
        out->y = roi->y;
        out->w = roi->w;
        out->h = roi->h;
        out->n_params = g_list_length(roi->params);
        for (GList *l = roi->params; l; l = l->next) {
            const GstStructure *s = (const GstStructure *)l->data;
            if (!gst_structure_has_name(s, "detection"))
                continue;
            out->has_detection = gst_structure_get_double(s, "x_min", &out->x_min) &&
                                 gst_structure_get_double(s, "y_min", &out->y_min) &&
                                 gst_structure_get_double(s, "x_max", &out->x_max) &&
                                 gst_structure_get_double(s, "y_max", &out->y_max) &&
                                 gst_structure_get_double(s, "confidence", &out->confidence);
            out->has_label_id = gst_structure_get_int(s, "label_id", &out->label_id);
            break;
        }
        return TRUE;
    }
    return FALSE;
}

/* ======================= Test plumbing: layout ======================= */

typedef struct {
    const gchar *name;
    gsize value;
} DlsLayoutEntry;

#define DLS_SIZEOF(T) {"sizeof(" #T ")", sizeof(T)}
#define DLS_ALIGNOF(T) {"alignof(" #T ")", _Alignof(T)}
#define DLS_OFFSETOF(T, field) {"offsetof(" #T ", " #field ")", offsetof(T, field)}

static const DlsLayoutEntry dls_layout[] = {
    DLS_SIZEOF(GstMeta),
    DLS_ALIGNOF(GstMeta),
    DLS_OFFSETOF(GstMeta, flags),
    DLS_OFFSETOF(GstMeta, info),

    DLS_SIZEOF(GstGVATensorMeta),
    DLS_ALIGNOF(GstGVATensorMeta),
    DLS_OFFSETOF(GstGVATensorMeta, meta),
    DLS_OFFSETOF(GstGVATensorMeta, data),

    DLS_SIZEOF(GstGVAJSONMeta),
    DLS_ALIGNOF(GstGVAJSONMeta),
    DLS_OFFSETOF(GstGVAJSONMeta, meta),
    DLS_OFFSETOF(GstGVAJSONMeta, message),

    DLS_SIZEOF(GstVideoRegionOfInterestMeta),
    DLS_ALIGNOF(GstVideoRegionOfInterestMeta),
    DLS_OFFSETOF(GstVideoRegionOfInterestMeta, meta),
    DLS_OFFSETOF(GstVideoRegionOfInterestMeta, roi_type),
    DLS_OFFSETOF(GstVideoRegionOfInterestMeta, id),
    DLS_OFFSETOF(GstVideoRegionOfInterestMeta, parent_id),
    DLS_OFFSETOF(GstVideoRegionOfInterestMeta, x),
    DLS_OFFSETOF(GstVideoRegionOfInterestMeta, y),
    DLS_OFFSETOF(GstVideoRegionOfInterestMeta, w),
    DLS_OFFSETOF(GstVideoRegionOfInterestMeta, h),
    DLS_OFFSETOF(GstVideoRegionOfInterestMeta, params),

    DLS_SIZEOF(DlsRegion),
    DLS_ALIGNOF(DlsRegion),
    DLS_OFFSETOF(DlsRegion, label),
    DLS_OFFSETOF(DlsRegion, id),
    DLS_OFFSETOF(DlsRegion, parent_id),
    DLS_OFFSETOF(DlsRegion, x),
    DLS_OFFSETOF(DlsRegion, y),
    DLS_OFFSETOF(DlsRegion, w),
    DLS_OFFSETOF(DlsRegion, h),
    DLS_OFFSETOF(DlsRegion, n_params),
    DLS_OFFSETOF(DlsRegion, has_detection),
    DLS_OFFSETOF(DlsRegion, x_min),
    DLS_OFFSETOF(DlsRegion, y_min),
    DLS_OFFSETOF(DlsRegion, x_max),
    DLS_OFFSETOF(DlsRegion, y_max),
    DLS_OFFSETOF(DlsRegion, confidence),
    DLS_OFFSETOF(DlsRegion, has_label_id),
    DLS_OFFSETOF(DlsRegion, label_id),
};

gsize dls_layout_entry(guint index, const gchar **name) {
    if (index >= G_N_ELEMENTS(dls_layout)) {
        *name = NULL;
        return 0;
    }
    *name = dls_layout[index].name;
    return dls_layout[index].value;
}
