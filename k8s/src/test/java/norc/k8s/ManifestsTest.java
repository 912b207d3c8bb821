package norc.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.AnnotatedClass;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Validates the Kubernetes manifests in {@code k8s/} offline: no cluster, no network.
 *
 * <p><b>What the structural check validates.</b> Every {@code *.yaml}/{@code *.yml} file in the
 * module directory is read (multi-document YAML allowed, duplicate keys rejected). Each document
 * but the {@code kustomization.yaml} is bound, by its {@code apiVersion} and {@code kind}, to the
 * matching class of fabric8's Kubernetes model ({@code io.fabric8:kubernetes-model-core/-apps/-policy}
 * 7.9.0, classes generated from the Kubernetes OpenAPI specification). An apiVersion/kind pair with
 * no model class here fails. The binding is made strict:
 * <ul>
 *   <li>every field must exist in the model at its place: fabric8 classes normally swallow unknown
 *       fields into {@code additionalProperties} through {@code @JsonAnySetter}; this test's
 *       annotation introspector disables that, so a misspelled or misplaced field ({@code replica:},
 *       {@code spec.template.containers}) fails with its path;</li>
 *   <li>every value must have the field's JSON type: no coercion between strings, numbers and
 *       booleans (an unquoted {@code value: 8558} in an env entry fails, as it does in the API
 *       server), no float truncated to an integer, no scalar where an object or list belongs;
 *       int-or-string fields accept only an integer or a string; resource quantities must parse.</li>
 * </ul>
 *
 * <p><b>What it does not validate.</b> This is not the API server's validation: required fields
 * (the OpenAPI {@code required} lists), enum values, string formats (DNS names, label syntax,
 * quantities beyond parsing), value ranges, immutability and defaulting are not checked by the
 * model binding. The few of those this deployment depends on are checked explicitly below (names,
 * port numbers and names, pod management and update strategy values, selectors). Kustomize is not
 * run: {@code kustomization.yaml} is checked only for its apiVersion/kind, its known keys, and that
 * its {@code resources} list is exactly the other manifest files.
 *
 * <p><b>Semantic checks</b> the operator relies on: the headless service {@code serviceName} names
 * exists, is headless and publishes not-ready addresses; every service, the PDB and the StatefulSet
 * selector match the pod template labels; every seed node in {@code NORC_SEED_NODES} is a pod
 * ordinal below {@code replicas} of this StatefulSet behind that service, on the remoting port;
 * the probes use the management port the server binds on all interfaces; the admin port is not
 * exposed; every secret/config map key reference and secret volume names a key present in these
 * manifests or in the {@code norc-tls} secret whose {@code kubectl create secret} command
 * README.md documents; {@code $(VAR)} references name variables defined earlier in the list;
 * volume mounts name declared volumes; {@code terminationGracePeriodSeconds > 30}.
 */
class ManifestsTest {

    /** The server's ActorSystem name (norc.server.NorcServer): the user part of pekko:// addresses. */
    static final String ACTOR_SYSTEM = "norc";
    static final String KUSTOMIZATION = "kustomization.yaml";
    /** Model classes the manifests may use; the key is "apiVersion kind", read from fabric8's annotations. */
    static final Map<String, Class<? extends HasMetadata>> KINDS = Stream.of(
                    StatefulSet.class, Service.class, PodDisruptionBudget.class, Secret.class, ConfigMap.class)
            .collect(Collectors.toMap(c -> HasMetadata.getApiVersion(c) + " " + HasMetadata.getKind(c), c -> c));
    static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    static final Pattern PORT_NAME = Pattern.compile("(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*");
    static final Pattern VAR_REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

    static Path dir;
    /** Every document of every manifest file except the kustomization, in file order. */
    static final List<Doc> docs = new ArrayList<>();
    static JsonNode kustomization;
    static final List<String> manifestFiles = new ArrayList<>();

    record Doc(String where, JsonNode tree, HasMetadata typed, String strictError) {}

    @BeforeAll
    static void load() throws IOException {
        dir = Path.of(System.getProperty("norc.k8s.dir", System.getProperty("basedir", "."))).toAbsolutePath();
        ObjectMapper trees = YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
        ObjectMapper strict = strictMapper();
        ObjectMapper lenient = YAMLMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().matches(".*\\.ya?ml")).sorted().toList();
        }
        assertThat(files).as("manifests in %s", dir).isNotEmpty();
        for (Path file : files) {
            String name = file.getFileName().toString();
            List<JsonNode> inFile;
            try (JsonParser p = trees.createParser(file.toFile())) {
                inFile = trees.readValues(p, JsonNode.class).readAll();
            }
            if (name.equals(KUSTOMIZATION)) {
                assertThat(inFile).as(name + ": one document").hasSize(1);
                kustomization = inFile.get(0);
                continue;
            }
            manifestFiles.add(name);
            int i = 0;
            for (JsonNode tree : inFile) {
                i++;
                if (tree == null || tree.isNull() || tree.isMissingNode() || tree.isEmpty()) {
                    continue; // an empty document (a trailing ---)
                }
                String where = name + " #" + i + " (" + tree.path("kind").asText("?") + " " + tree.path("metadata").path("name").asText("?") + ")";
                Class<? extends HasMetadata> type = KINDS.get(tree.path("apiVersion").asText() + " " + tree.path("kind").asText());
                if (type == null) {
                    docs.add(new Doc(where, tree, null, "apiVersion/kind " + tree.path("apiVersion").asText() + " "
                            + tree.path("kind").asText() + " has no model class here (known: " + new TreeSet<>(KINDS.keySet()) + ")"));
                    continue;
                }
                String error = null;
                HasMetadata typed;
                try {
                    typed = strict.treeToValue(tree, type);
                } catch (IOException e) {
                    error = e.getMessage();
                    try {
                        typed = lenient.treeToValue(tree, type); // so the semantic checks can still report
                    } catch (IOException alsoLenient) {
                        typed = null;
                    }
                }
                docs.add(new Doc(where, tree, typed, error));
            }
        }
    }

    /** Binds YAML to the fabric8 model with no unknown fields and no type coercion (class javadoc). */
    static ObjectMapper strictMapper() {
        ObjectMapper m = YAMLMapper.builder()
                .annotationIntrospector(new StrictIntrospector())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
        for (CoercionInputShape from : List.of(CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.Boolean)) {
            m.coercionConfigFor(LogicalType.Textual).setCoercion(from, CoercionAction.Fail);
        }
        for (LogicalType to : List.of(LogicalType.Integer, LogicalType.Float, LogicalType.Boolean)) {
            m.coercionConfigFor(to).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
            m.coercionConfigFor(to).setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        }
        return m;
    }

    /** Turns off fabric8's catch-all {@code @JsonAnySetter} and any ignore-unknown; int-or-string made strict. */
    static final class StrictIntrospector extends JacksonAnnotationIntrospector {
        private static final long serialVersionUID = 1L;

        @Override
        public Boolean hasAnySetter(Annotated a) {
            return Boolean.FALSE;
        }

        @Override
        public boolean hasAnySetterAnnotation(com.fasterxml.jackson.databind.introspect.AnnotatedMethod am) {
            return false;
        }

        @Override
        public JsonIgnoreProperties.Value findPropertyIgnoralByName(MapperConfig<?> config, Annotated a) {
            return super.findPropertyIgnoralByName(config, a).withoutIgnoreUnknown();
        }

        @Override
        public Object findDeserializer(Annotated a) {
            if (a instanceof AnnotatedClass c && c.getRawType() == IntOrString.class) {
                return StrictIntOrString.class;
            }
            return super.findDeserializer(a);
        }
    }

    /** IntOrString extends fabric8's AnyType, whose deserializer takes any JSON value. */
    static final class StrictIntOrString extends StdDeserializer<IntOrString> {
        private static final long serialVersionUID = 1L;

        StrictIntOrString() {
            super(IntOrString.class);
        }

        @Override
        public IntOrString deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
                return new IntOrString(p.getIntValue());
            }
            if (p.currentToken() == JsonToken.VALUE_STRING) {
                return new IntOrString(p.getText());
            }
            return (IntOrString) ctxt.handleUnexpectedToken(IntOrString.class, p);
        }
    }

    // ---------------------------------------------------------------- structure

    @Test
    void everyDocumentBindsStrictlyToTheKubernetesModelOfItsKind() {
        List<String> errors = new ArrayList<>();
        for (Doc d : docs) {
            if (d.strictError() != null) {
                errors.add(d.where() + ": " + d.strictError());
            }
        }
        assertThat(errors).as("documents that do not match their Kubernetes kind").isEmpty();
        assertThat(docs).as("manifests").isNotEmpty();
    }

    @Test
    void kustomizationListsExactlyTheManifestFiles() {
        assertThat(kustomization).as(KUSTOMIZATION).isNotNull();
        assertThat(kustomization.path("apiVersion").asText()).isEqualTo("kustomize.config.k8s.io/v1beta1");
        assertThat(kustomization.path("kind").asText()).isEqualTo("Kustomization");
        Set<String> keys = new TreeSet<>();
        kustomization.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).as("keys of " + KUSTOMIZATION + " (only these are known to this test)")
                .isSubsetOf("apiVersion", "kind", "namespace", "resources", "labels", "commonAnnotations", "images");
        List<String> resources = new ArrayList<>();
        kustomization.path("resources").forEach(r -> resources.add(r.asText()));
        assertThat(resources).as("resources of " + KUSTOMIZATION).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(manifestFiles);
    }

    @Test
    void namesPortsAndEnumeratedValuesAreOnesKubernetesAccepts() {
        for (Doc d : docs) {
            String name = d.typed() == null ? null : d.typed().getMetadata() == null ? null : d.typed().getMetadata().getName();
            assertThat(name).as(d.where() + ": metadata.name").isNotNull().matches(DNS_LABEL);
        }
        StatefulSet sts = one(StatefulSet.class);
        assertThat(sts.getSpec().getPodManagementPolicy()).isIn("OrderedReady", "Parallel");
        assertThat(sts.getSpec().getUpdateStrategy().getType()).isIn("RollingUpdate", "OnDelete");
        for (Container c : pod().getContainers()) {
            assertThat(c.getName()).matches(DNS_LABEL);
            assertThat(c.getImage()).as("image of " + c.getName()).isNotBlank();
            for (ContainerPort p : c.getPorts()) {
                assertThat(p.getContainerPort()).as("containerPort").isBetween(1, 65535);
                assertThat(p.getName()).as("port name").matches(PORT_NAME);
                assertThat(p.getProtocol()).isIn(null, "TCP", "UDP", "SCTP");
            }
            assertThat(c.getEnv()).extracting(EnvVar::getName).as("env names of " + c.getName()).doesNotHaveDuplicates();
            c.getResources().getRequests().forEach((k, q) -> assertThat(Quantity.getAmountInBytes(q)).as("request " + k).isPositive());
            c.getResources().getLimits().forEach((k, q) -> assertThat(Quantity.getAmountInBytes(q)).as("limit " + k).isPositive());
            Quantity reqMem = c.getResources().getRequests().get("memory");
            Quantity limMem = c.getResources().getLimits().get("memory");
            assertThat(Quantity.getAmountInBytes(limMem)).as("memory limit >= request").isGreaterThanOrEqualTo(Quantity.getAmountInBytes(reqMem));
        }
        for (Service s : all(Service.class)) {
            for (ServicePort p : s.getSpec().getPorts()) {
                assertThat(p.getPort()).as(s.getMetadata().getName() + " port").isBetween(1, 65535);
                assertThat(p.getName()).as(s.getMetadata().getName() + " port name").matches(PORT_NAME);
            }
        }
    }

    // ---------------------------------------------------------------- cluster wiring

    @Test
    void statefulSetSitsBehindTheHeadlessServiceAndSelectorsMatchThePods() {
        StatefulSet sts = one(StatefulSet.class);
        Map<String, String> podLabels = sts.getSpec().getTemplate().getMetadata().getLabels();
        assertThat(selects(sts.getSpec().getSelector(), podLabels)).as("StatefulSet selector matches its pod labels").isTrue();

        Service headless = service(sts.getSpec().getServiceName());
        assertThat(headless).as("the service named by serviceName " + sts.getSpec().getServiceName()).isNotNull();
        assertThat(headless.getSpec().getClusterIP()).as("serviceName's service is headless").isEqualTo("None");
        assertThat(headless.getSpec().getPublishNotReadyAddresses())
                .as("seeds must resolve before pods are Ready: publishNotReadyAddresses").isTrue();
        for (Service s : all(Service.class)) {
            assertThat(s.getSpec().getSelector()).as(s.getMetadata().getName() + " selector").isNotEmpty();
            assertThat(podLabels).as(s.getMetadata().getName() + " selector matches the pod labels")
                    .containsAllEntriesOf(s.getSpec().getSelector());
            for (ServicePort p : s.getSpec().getPorts()) {
                assertThat(target(p))
                        .as(s.getMetadata().getName() + " port " + p.getName() + " targets a declared container port").isNotNull();
            }
        }
        PodDisruptionBudget pdb = one(PodDisruptionBudget.class);
        assertThat(selects(pdb.getSpec().getSelector(), podLabels)).as("PDB selector matches the pod labels").isTrue();
        assertThat(pdb.getSpec().getMaxUnavailable()).as("PDB maxUnavailable").isEqualTo(new IntOrString(1));
        assertThat(sts.getSpec().getReplicas()).as("replicas: keep-majority needs at least 3").isNotNull().isGreaterThanOrEqualTo(3);
    }

    @Test
    void seedNodesArePodsOfThisStatefulSetOnTheRemotingPort() {
        StatefulSet sts = one(StatefulSet.class);
        String set = sts.getMetadata().getName();
        String svc = sts.getSpec().getServiceName();
        Integer replicas = sts.getSpec().getReplicas();
        assertThat(replicas).as("spec.replicas").isNotNull();
        Map<String, EnvVar> env = env();
        assertThat(env.get("POD_NAME").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
        assertThat(env.get("POD_NAMESPACE").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
        String domain = "." + svc + ".$(POD_NAMESPACE).svc.cluster.local";
        assertThat(value(env, "NORC_CLUSTER_HOST")).as("NORC_CLUSTER_HOST: the pod's stable DNS name").isEqualTo("$(POD_NAME)" + domain);
        assertThat(value(env, "NORC_CLUSTER_BIND_HOST")).isEqualTo("0.0.0.0");
        int remoting = Integer.parseInt(value(env, "NORC_CLUSTER_PORT"));
        assertThat(containerPort(new IntOrString(remoting))).as("NORC_CLUSTER_PORT is a container port").isNotNull();
        assertThat(service(svc).getSpec().getPorts()).as("the headless service carries the remoting port")
                .anyMatch(p -> target(p) != null && remoting == target(p).getContainerPort());

        Pattern seed = Pattern.compile("pekko://" + ACTOR_SYSTEM + "@" + Pattern.quote(set) + "-(0|[1-9][0-9]*)"
                + Pattern.quote(domain) + ":([0-9]+)");
        String[] seeds = value(env, "NORC_SEED_NODES").split(",", -1);
        assertThat(seeds).as("NORC_SEED_NODES").isNotEmpty().doesNotHaveDuplicates();
        for (String s : seeds) {
            Matcher m = seed.matcher(s);
            assertThat(m.matches()).as("seed '%s' is pekko://%s@%s-<ordinal>%s:<port>", s, ACTOR_SYSTEM, set, domain).isTrue();
            assertThat(Integer.parseInt(m.group(1))).as("ordinal of seed " + s + " < replicas").isLessThan(replicas);
            assertThat(Integer.parseInt(m.group(2))).as("port of seed " + s).isEqualTo(remoting);
        }
    }

    @Test
    void probesUseTheManagementPortAndTheAdminApiStaysOnLoopback() {
        Map<String, EnvVar> env = env();
        assertThat(value(env, "NORC_MANAGEMENT_HOST")).as("kubelet probes the pod IP: management binds all interfaces").isEqualTo("0.0.0.0");
        int management = Integer.parseInt(value(env, "NORC_MANAGEMENT_PORT"));
        assertThat(containerPort(new IntOrString(management))).as("NORC_MANAGEMENT_PORT is a container port").isNotNull();
        Container c = container();
        Map<String, Probe> probes = new LinkedHashMap<>();
        probes.put("startupProbe", c.getStartupProbe());
        probes.put("livenessProbe", c.getLivenessProbe());
        probes.put("readinessProbe", c.getReadinessProbe());
        Map<String, String> paths = Map.of("startupProbe", "/alive", "livenessProbe", "/alive", "readinessProbe", "/ready");
        probes.forEach((kind, probe) -> {
            assertThat(probe).as(kind).isNotNull();
            assertThat(probe.getHttpGet()).as(kind + ".httpGet").isNotNull();
            ContainerPort port = containerPort(probe.getHttpGet().getPort());
            assertThat(port).as(kind + " port is a declared container port").isNotNull();
            assertThat(port.getContainerPort()).as(kind + " port is NORC_MANAGEMENT_PORT").isEqualTo(management);
            assertThat(probe.getHttpGet().getPath()).as(kind + " path").isEqualTo(paths.get(kind));
        });

        assertThat(value(env, "NORC_ADMIN_INTERFACE")).as("admin API on loopback").isEqualTo("127.0.0.1");
        int admin = Integer.parseInt(value(env, "NORC_ADMIN_PORT"));
        assertThat(c.getPorts()).extracting(ContainerPort::getContainerPort).as("admin port not declared").doesNotContain(admin);
        for (Service s : all(Service.class)) {
            for (ServicePort p : s.getSpec().getPorts()) {
                ContainerPort target = target(p);
                assertThat(target == null ? p.getPort() : target.getContainerPort()).as(s.getMetadata().getName() + " exposes the admin port").isNotEqualTo(admin);
            }
        }
        int client = Integer.parseInt(value(env, "NORC_CLIENT_PORT"));
        Service clients = all(Service.class).stream().filter(s -> !"None".equals(s.getSpec().getClusterIP())).findFirst().orElseThrow();
        assertThat(clients.getSpec().getPorts()).as("the client service reaches NORC_CLIENT_PORT")
                .anyMatch(p -> target(p) != null && client == target(p).getContainerPort());
    }

    @Test
    void everySecretAndConfigMapReferenceNamesAKeyThatExists() throws IOException {
        Map<String, Set<String>> secrets = new HashMap<>();
        for (Secret s : all(Secret.class)) {
            Set<String> keys = secrets.computeIfAbsent(s.getMetadata().getName(), n -> new HashSet<>());
            if (s.getData() != null) keys.addAll(s.getData().keySet());
            if (s.getStringData() != null) keys.addAll(s.getStringData().keySet());
        }
        Map<String, Set<String>> documented = secretsDocumentedInReadme();
        assertThat(documented).as("README.md documents the norc-tls secret with kubectl create secret").containsKey("norc-tls");
        documented.forEach((name, keys) -> {
            if (secrets.containsKey(name)) { // a manifest and an alternative command in the README: same keys
                assertThat(keys).as("keys of secret " + name + " in README.md and in its manifest")
                        .containsExactlyInAnyOrderElementsOf(secrets.get(name));
            } else {
                secrets.put(name, keys);
            }
        });
        Map<String, Set<String>> configMaps = new HashMap<>();
        for (ConfigMap m : all(ConfigMap.class)) {
            configMaps.put(m.getMetadata().getName(), m.getData() == null ? Set.of() : m.getData().keySet());
        }
        int refs = 0;
        for (EnvVar e : container().getEnv()) {
            if (e.getValueFrom() == null) continue;
            if (e.getValueFrom().getSecretKeyRef() != null) {
                refs++;
                var r = e.getValueFrom().getSecretKeyRef();
                assertThat(secrets).as(e.getName() + ": secret " + r.getName()).containsKey(r.getName());
                assertThat(secrets.get(r.getName())).as(e.getName() + ": key of secret " + r.getName()).contains(r.getKey());
            }
            if (e.getValueFrom().getConfigMapKeyRef() != null) {
                refs++;
                var r = e.getValueFrom().getConfigMapKeyRef();
                assertThat(configMaps).as(e.getName() + ": config map " + r.getName()).containsKey(r.getName());
                assertThat(configMaps.get(r.getName())).as(e.getName() + ": key of config map " + r.getName()).contains(r.getKey());
            }
        }
        assertThat(refs).as("secret/config map references checked").isPositive();
        for (Volume v : pod().getVolumes()) {
            if (v.getSecret() == null) continue;
            assertThat(secrets).as("volume " + v.getName() + ": secret " + v.getSecret().getSecretName()).containsKey(v.getSecret().getSecretName());
            v.getSecret().getItems().forEach(item -> assertThat(secrets.get(v.getSecret().getSecretName()))
                    .as("volume " + v.getName() + ": key").contains(item.getKey()));
        }
        // the keystore path the server is told about is where the tls volume puts server.p12
        String keystore = value(env(), "NORC_TLS_KEYSTORE");
        assertThat(container().getVolumeMounts()).as("NORC_TLS_KEYSTORE lies in a mounted secret volume")
                .anyMatch(m -> keystore.startsWith(m.getMountPath() + "/") && pod().getVolumes().stream()
                        .anyMatch(v -> v.getName().equals(m.getName()) && v.getSecret() != null && v.getSecret().getItems().stream()
                                .anyMatch(i -> keystore.equals(m.getMountPath() + "/" + i.getPath()))));
    }

    /** Secret name to keys, from {@code kubectl create secret generic NAME --from-file=KEY=... --from-literal=KEY=...}. */
    static Map<String, Set<String>> secretsDocumentedInReadme() throws IOException {
        String readme = Files.readString(dir.resolve("README.md")).replace("\\\n", " ");
        Map<String, Set<String>> out = new HashMap<>();
        Matcher cmd = Pattern.compile("kubectl create secret generic ([a-z0-9-]+)([^\\n]*)").matcher(readme);
        while (cmd.find()) {
            Set<String> keys = out.computeIfAbsent(cmd.group(1), n -> new HashSet<>());
            Matcher key = Pattern.compile("--from-(?:file|literal)=([-._a-zA-Z0-9]+)=").matcher(cmd.group(2));
            while (key.find()) keys.add(key.group(1));
        }
        out.values().removeIf(Set::isEmpty); // a mention without keys documents nothing
        return out;
    }

    @Test
    void envReferencesVolumesGracePeriodAndSecurityContext() {
        StatefulSet sts = one(StatefulSet.class);
        PodSpec pod = pod();
        Container c = container();
        Set<String> defined = new HashSet<>();
        for (EnvVar e : c.getEnv()) {
            if (e.getValue() != null) {
                Matcher m = VAR_REF.matcher(e.getValue());
                while (m.find()) {
                    assertThat(defined).as(e.getName() + " refers to $(" + m.group(1) + "), which must be defined above it").contains(m.group(1));
                }
            }
            defined.add(e.getName());
        }
        Set<String> volumes = new HashSet<>();
        pod.getVolumes().forEach(v -> volumes.add(v.getName()));
        sts.getSpec().getVolumeClaimTemplates().forEach(t -> volumes.add(t.getMetadata().getName()));
        c.getVolumeMounts().forEach(m -> assertThat(volumes).as("volume of mount " + m.getMountPath()).contains(m.getName()));
        String dataDir = value(env(), "NORC_DATA_DIR");
        assertThat(c.getVolumeMounts()).as("NORC_DATA_DIR is a persistent volume claim template")
                .anyMatch(m -> m.getMountPath().equals(dataDir) && sts.getSpec().getVolumeClaimTemplates().stream()
                        .anyMatch(t -> t.getMetadata().getName().equals(m.getName())));

        assertThat(pod.getTerminationGracePeriodSeconds()).as("terminationGracePeriodSeconds > the 30 s drain")
                .isNotNull().isGreaterThan(30L);
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).contains("ALL");
        assertThat(Boolean.TRUE.equals(c.getSecurityContext().getRunAsNonRoot())
                || pod.getSecurityContext() != null && Boolean.TRUE.equals(pod.getSecurityContext().getRunAsNonRoot())).as("runAsNonRoot").isTrue();
    }

    // ---------------------------------------------------------------- helpers

    static <T extends HasMetadata> List<T> all(Class<T> type) {
        return docs.stream().map(Doc::typed).filter(type::isInstance).map(type::cast).toList();
    }

    static <T extends HasMetadata> T one(Class<T> type) {
        List<T> found = all(type);
        assertThat(found).as("exactly one " + type.getSimpleName()).hasSize(1);
        return found.get(0);
    }

    static Service service(String name) {
        return all(Service.class).stream().filter(s -> s.getMetadata().getName().equals(name)).findFirst().orElse(null);
    }

    static PodSpec pod() {
        return one(StatefulSet.class).getSpec().getTemplate().getSpec();
    }

    static Container container() {
        List<Container> cs = pod().getContainers();
        assertThat(cs).as("containers").hasSize(1);
        return cs.get(0);
    }

    static Map<String, EnvVar> env() {
        Map<String, EnvVar> out = new LinkedHashMap<>();
        container().getEnv().forEach(e -> out.put(e.getName(), e));
        return out;
    }

    static String value(Map<String, EnvVar> env, String name) {
        assertThat(env).as("env " + name).containsKey(name);
        assertThat(env.get(name).getValue()).as("value of env " + name).isNotNull();
        return env.get(name).getValue();
    }

    /** The container port a port reference (number or name) resolves to, or null. */
    static ContainerPort containerPort(IntOrString ref) {
        if (ref == null) return null;
        return container().getPorts().stream()
                .filter(p -> ref.getIntVal() != null ? ref.getIntVal().equals(p.getContainerPort()) : Objects.equals(ref.getStrVal(), p.getName()))
                .findFirst().orElse(null);
    }

    /** The container port a service port sends to (targetPort, defaulting to port), or null. */
    static ContainerPort target(ServicePort p) {
        return containerPort(p.getTargetPort() == null ? new IntOrString(p.getPort()) : p.getTargetPort());
    }

    /** Whether a selector (matchLabels and matchExpressions) selects these labels; an empty one does not. */
    static boolean selects(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) return false;
        Map<String, String> match = selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
        if (match.isEmpty() && selector.getMatchExpressions().isEmpty()) return false;
        if (!labels.entrySet().containsAll(match.entrySet())) return false;
        return selector.getMatchExpressions().stream().allMatch(r -> switch (r.getOperator()) {
            case "In" -> r.getValues().contains(labels.get(r.getKey()));
            case "NotIn" -> !r.getValues().contains(labels.get(r.getKey()));
            case "Exists" -> labels.containsKey(r.getKey());
            case "DoesNotExist" -> !labels.containsKey(r.getKey());
            default -> false;
        });
    }
}
