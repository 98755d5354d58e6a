package io.sluice.log.server;

import java.nio.ByteBuffer;
import java.util.TreeMap;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.types.BoundField;
import org.apache.kafka.common.protocol.types.Schema;
import org.apache.kafka.common.protocol.types.Struct;
import org.apache.kafka.common.protocol.types.TaggedFields;
import org.apache.kafka.common.protocol.types.Type;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Request bytes built from kafka-clients' own protocol schemas with values chosen by a {@link Values}:
 * every request a client could send that parses, not only those kafka-clients' builders make.
 */
final class SchemaRequests {
    /** Chooses what goes into each field. */
    interface Values {
        /** Whether the field at {@code path}, whose type allows null, is null. */
        boolean isNull(String path);

        /** How many elements the array at {@code path} has. */
        int arrayLength(String path);

        /** A value of primitive type {@code t} for the field {@code name} at {@code path}. */
        Object primitive(String path, String name, Type t);
    }

    private SchemaRequests() {
    }

    /** Header and body of {@code api} at {@code version}, size-prefixed. */
    static byte[] frame(RequestHeader header, ApiKeys api, short version, Values values) {
        Struct body = fill(api.messageType.requestSchemas()[version], "", values);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int headerSize = header.data().size(cache, header.headerVersion());
        ByteBuffer buf = ByteBuffer.allocate(4 + headerSize + body.sizeOf());
        buf.putInt(headerSize + body.sizeOf());
        header.data().write(new ByteBufferAccessor(buf), cache, header.headerVersion());
        body.writeTo(buf);
        return buf.array();
    }

    private static Struct fill(Schema schema, String prefix, Values values) {
        Struct s = new Struct(schema);
        for (BoundField f : schema.fields()) {
            String path = prefix + f.def.name;
            Type t = f.def.type;
            boolean asNull = !(t instanceof TaggedFields) && t.isNullable() && values.isNull(path);
            s.set(f, asNull ? null : value(f.def.name, t, path, values));
        }
        return s;
    }

    private static Object value(String name, Type t, String path, Values values) {
        if (t instanceof TaggedFields) {
            return new TreeMap<Integer, Object>(); // absent tagged fields take their defaults
        }
        if (t instanceof Schema s) {
            return fill(s, path + ".", values);
        }
        if (t.isArray()) {
            Type element = t.arrayElementType().orElseThrow();
            Object[] items = new Object[values.arrayLength(path)];
            for (int i = 0; i < items.length; i++) {
                items[i] = value(name, element, path, values);
            }
            return items;
        }
        return values.primitive(path, name, t);
    }
}
