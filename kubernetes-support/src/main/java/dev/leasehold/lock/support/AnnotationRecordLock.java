package dev.leasehold.lock.support;

import dev.leasehold.core.spi.LeaderElectionRecord;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A lock that keeps its record in the annotation {@value AnnotationRecordCodec#ANNOTATION} of an object
 * (ConfigMap, Endpoints), in the format {@link AnnotationRecordCodec} describes. Every other annotation, label
 * and data entry of the object is written back as read.
 *
 * @param <T> the kind of object
 */
public abstract class AnnotationRecordLock<T extends HasMetadata> extends KubernetesObjectLock<T> {

    protected AnnotationRecordLock(LockSettings settings, Class<T> type, String kind) {
        super(settings, type, kind);
    }

    /**
     * Whole seconds: a held record's times are written in client-go's format, RFC 3339 without a fraction. Two
     * acquisitions in the same second look alike, so the elector never takes a record of its identity whose
     * answer was lost for its own on this lock: it waits it out like any other holder's.
     */
    @Override
    public final java.time.Duration timePrecision() {
        return java.time.Duration.ofSeconds(1);
    }

    /** A deep copy of {@code object}. */
    protected abstract T copy(T object);

    /** A new, empty object of this kind with {@code metadata}. */
    protected abstract T newObject(ObjectMeta metadata);

    @Override
    protected final Optional<LeaderElectionRecord> readRecord(T object) {
        Map<String, String> annotations = object.getMetadata().getAnnotations();
        String json = annotations == null ? null : annotations.get(AnnotationRecordCodec.ANNOTATION);
        if (json == null || json.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(AnnotationRecordCodec.read(json));
    }

    @Override
    protected final T writeRecord(T current, LeaderElectionRecord record, Instant now, LockSettings settings) {
        T object;
        if (current == null) {
            ObjectMeta metadata = new ObjectMeta();
            metadata.setNamespace(settings.namespace());
            metadata.setName(settings.name());
            object = newObject(metadata);
        } else {
            object = copy(current);
        }
        Map<String, String> annotations = object.getMetadata().getAnnotations() == null
                ? new HashMap<>() : new HashMap<>(object.getMetadata().getAnnotations());
        annotations.put(AnnotationRecordCodec.ANNOTATION, AnnotationRecordCodec.write(record, now));
        object.getMetadata().setAnnotations(annotations);
        return object;
    }
}
