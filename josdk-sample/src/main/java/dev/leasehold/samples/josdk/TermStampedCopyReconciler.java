package dev.leasehold.samples.josdk;

import dev.leasehold.core.Leadership;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A leader-only reconciler: for each ConfigMap labelled {@value #SOURCE_LABEL}{@code =source} it keeps a copy
 * named {@code <name>-copy}, stamped with the term it was written under. The term is the fencing token: a
 * reconciler never writes once its term is no longer valid, and never overwrites a copy stamped with a higher
 * term (written by a newer leader while this one was paused).
 */
@ControllerConfiguration(informer = @Informer(labelSelector = TermStampedCopyReconciler.SOURCE_LABEL + "=source"))
public final class TermStampedCopyReconciler implements Reconciler<ConfigMap> {

    public static final String SOURCE_LABEL = "leasehold.dev/demo";
    public static final String TERM = "leasehold.dev/term";
    public static final String WRITER = "leasehold.dev/writer";

    private static final Logger log = LoggerFactory.getLogger(TermStampedCopyReconciler.class);

    private final KubernetesClient client;
    private final Leadership leadership;

    public TermStampedCopyReconciler(KubernetesClient client, Leadership leadership) {
        this.client = client;
        this.leadership = leadership;
    }

    @Override
    public UpdateControl<ConfigMap> reconcile(ConfigMap source, Context<ConfigMap> context) {
        String namespace = source.getMetadata().getNamespace();
        String name = source.getMetadata().getName() + "-copy";
        if (!leadership.isValid()) {
            log.info("term {} is over: not writing {}/{}", leadership.term(), namespace, name);
            return UpdateControl.noUpdate();
        }
        ConfigMap existing = client.configMaps().inNamespace(namespace).withName(name).get();
        long written = existing == null ? 0 : termOf(existing);
        if (written > leadership.term()) {
            log.warn("{}/{} was written under term {}, newer than ours ({}): not overwriting", namespace, name,
                    written, leadership.term());
            return UpdateControl.noUpdate();
        }
        ConfigMap copy = new ConfigMapBuilder()
                .withNewMetadata().withNamespace(namespace).withName(name)
                .withResourceVersion(existing == null ? null : existing.getMetadata().getResourceVersion())
                .addToAnnotations(TERM, Long.toString(leadership.term()))
                .addToAnnotations(WRITER, leadership.identity())
                .endMetadata()
                .withData(source.getData())
                .build();
        if (existing == null) {
            client.resource(copy).create();
        } else {
            client.resource(copy).update(); // compare-and-swap on the version read above
        }
        return UpdateControl.noUpdate();
    }

    /** The term a copy was written under; a stamp that is not a number counts as none. */
    static long termOf(ConfigMap copy) {
        String stamp = copy.getMetadata().getAnnotations() == null ? null
                : copy.getMetadata().getAnnotations().get(TERM);
        try {
            return stamp == null ? 0 : Long.parseLong(stamp);
        } catch (NumberFormatException e) {
            log.warn("{} carries {}={}, not a term; treating it as unstamped", copy.getMetadata().getName(), TERM,
                    stamp);
            return 0;
        }
    }
}
