using YamlDotNet.RepresentationModel;

namespace Roomcast.UnitTests.Deployment;

/// <summary>
/// Everything under <c>k8s/</c>: the resources of the base, the overlay and the example backing
/// servers, and what their <c>kustomization.yaml</c> files generate (ConfigMaps, Secrets) or rename.
/// </summary>
internal sealed class KubernetesManifests
{
    private KubernetesManifests(IReadOnlyList<(string File, YamlMappingNode Node)> resources, IReadOnlyList<(string File, YamlMappingNode Node)> kustomizations)
    {
        Resources = resources;
        Kustomizations = kustomizations;
    }

    public IReadOnlyList<(string File, YamlMappingNode Node)> Resources { get; }

    public IReadOnlyList<(string File, YamlMappingNode Node)> Kustomizations { get; }

    public static KubernetesManifests Load()
    {
        var root = Repository.PathOf("k8s");
        var files = Directory.EnumerateFiles(root, "*.yaml", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Repository.Root, path))
            .Order()
            .ToList();
        var documents = files.SelectMany(file => Repository.Yaml(file).Select(node => (File: file, Node: node))).ToList();
        return new KubernetesManifests(
            documents.Where(document => Path.GetFileName(document.File) != "kustomization.yaml").ToList(),
            documents.Where(document => Path.GetFileName(document.File) == "kustomization.yaml").ToList());
    }

    public IEnumerable<YamlMappingNode> OfKind(string kind) =>
        Resources.Where(resource => resource.Node.Text("kind") == kind).Select(resource => resource.Node);

    /// <summary>The Deployment whose container runs <paramref name="service"/>'s image.</summary>
    public YamlMappingNode DeploymentOf(RoomcastService service) =>
        OfKind("Deployment").Single(deployment => Containers(deployment).Any(container => RoomcastService.OfImage(container.Text("image")!) == service));

    public static IEnumerable<YamlNode> Containers(YamlNode deployment) => deployment.Items("spec", "template", "spec", "containers");

    /// <summary>The keys every ConfigMap or Secret named <paramref name="name"/> holds, over all kustomizations (an overlay merges into the base's).</summary>
    public IReadOnlySet<string> GeneratedKeys(string name) =>
        Kustomizations
            .SelectMany(kustomization => kustomization.Node.Items("configMapGenerator").Concat(kustomization.Node.Items("secretGenerator")))
            .Where(generator => generator.Text("name") == name)
            .SelectMany(generator => generator.Items("literals"))
            .Select(literal => ((YamlScalarNode)literal).Value!.Split('=', 2)[0])
            .ToHashSet();

    /// <summary>Whether some kustomization generates a ConfigMap or Secret named <paramref name="name"/>.</summary>
    public bool Generates(string name) =>
        Kustomizations
            .SelectMany(kustomization => kustomization.Node.Items("configMapGenerator").Concat(kustomization.Node.Items("secretGenerator")))
            .Any(generator => generator.Text("name") == name);

    /// <summary>The environment variable names a container is given: its own <c>env</c> and every generated key it takes <c>envFrom</c>.</summary>
    public IReadOnlyList<string> EnvironmentOf(YamlNode container) =>
        container.Items("env").Select(variable => variable.Text("name")!)
            .Concat(container.Items("envFrom")
                .Select(source => source.Text("configMapRef", "name") ?? source.Text("secretRef", "name")!)
                .SelectMany(GeneratedKeys))
            .ToList();
}
