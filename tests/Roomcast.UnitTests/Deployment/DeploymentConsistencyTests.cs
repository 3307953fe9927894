using System.Text.RegularExpressions;
using System.Xml.Linq;
using Roomcast.ServiceDefaults.Health;
using Roomcast.ServiceDefaults.Telemetry;
using Shouldly;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace Roomcast.UnitTests.Deployment;

/// <summary>
/// No container engine or cluster runs here, so docker-compose.yml, the Dockerfiles and k8s/ are
/// checked against the code instead: every setting they give a service is one it reads, every
/// service is probed where it answers, and images and ports agree between the three.
/// </summary>
public sealed class DeploymentConsistencyTests
{
    /// <summary>
    /// Variables without <c>__</c> that a deployment may set: read by the framework or a library,
    /// not by an options class of ours.
    /// </summary>
    private static readonly Dictionary<string, string> FrameworkVariables = new()
    {
        ["ASPNETCORE_HTTP_PORTS"] = "Kestrel's listening ports: the service's port and the metrics port",
        ["DOTNET_ENVIRONMENT"] = "the host's environment name",
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "the OTLP exporter's collector; MetricsSetup turns the exporter on when it is set",
    };

    /// <summary>
    /// <c>Section__Key</c> settings read straight from IConfiguration rather than bound to an options
    /// class (those are learnt from the services). None today: every section a service reads at
    /// start (Redis, Hub, Metrics) is also bound, so its keys are learnt.
    /// </summary>
    private static readonly Dictionary<string, string> ReadDirectly = new();

    private static readonly Lazy<KubernetesManifests> Kubernetes = new(KubernetesManifests.Load);

    private static readonly Lazy<YamlMappingNode> Compose = new(() => Repository.Yaml("docker-compose.yml").Single());

    [Fact]
    public void EverySettingTheComposeFileGivesAServiceIsOneTheServiceReads()
    {
        var checkedServices = 0;
        foreach (var (name, definition) in Compose.Value.Entries("services"))
        {
            if (RoomcastService.OfImage(definition.Text("image") ?? "") is not { } service)
            {
                continue;
            }

            ShouldAllBeRead(service, ComposeEnvironment(definition), $"docker-compose.yml, service {name}");
            checkedServices++;
        }

        checkedServices.ShouldBe(4, "identity, documents-api and two gateways");
    }

    [Fact]
    public void EverySettingTheKubernetesManifestsGiveAServiceIsOneTheServiceReads()
    {
        foreach (var service in RoomcastService.All)
        {
            var container = KubernetesManifests.Containers(Kubernetes.Value.DeploymentOf(service)).Single();
            foreach (var source in container.Items("envFrom"))
            {
                var name = source.Text("configMapRef", "name") ?? source.Text("secretRef", "name")!;
                Kubernetes.Value.Generates(name).ShouldBeTrue($"k8s: {service} takes its settings from {name}, which no kustomization generates");
            }

            ShouldAllBeRead(service, Kubernetes.Value.EnvironmentOf(container), $"k8s, Deployment of {service}");
        }
    }

    [Fact]
    public void EverySettingAnImageBakesInIsOneItsServiceReads()
    {
        foreach (var service in RoomcastService.All)
        {
            ShouldAllBeRead(service, Dockerfile.Of(service).Environment.Keys, service.Dockerfile);
        }
    }

    [Fact]
    public void AnImageListensOnThePortsItExposesAndChecksItsReadinessThere()
    {
        foreach (var service in RoomcastService.All)
        {
            var image = Dockerfile.Of(service);
            var listening = image.Environment["ASPNETCORE_HTTP_PORTS"].Split(';').Select(int.Parse).ToHashSet();
            image.Exposed.ShouldBe(listening, ignoreOrder: true, $"{service.Dockerfile}: EXPOSE and ASPNETCORE_HTTP_PORTS differ");
            image.Exposed.ShouldContain(MetricsPortOf(service), $"{service.Dockerfile}: Metrics__Port is not a port the server listens on");

            var check = image.Arguments("HEALTHCHECK").ShouldHaveSingleItem();
            var probed = Regex.Match(check, @"http://127\.0\.0\.1:(?<port>\d+)(?<path>/\S*)");
            probed.Success.ShouldBeTrue($"{service.Dockerfile}: HEALTHCHECK asks no local URL");
            probed.Groups["path"].Value.ShouldBe(HealthEndpoints.ReadyPath, service.Dockerfile);
            image.Exposed.ShouldContain(int.Parse(probed.Groups["port"].Value), $"{service.Dockerfile}: HEALTHCHECK asks a port the server does not listen on");

            image.Arguments("ENTRYPOINT").ShouldHaveSingleItem().ShouldContain($"\"{service.Assembly.GetName().Name}.dll\"");
            var user = image.Arguments("USER").ShouldHaveSingleItem();
            user.ShouldNotBeOneOf("root", "0");
        }
    }

    [Fact]
    public void ADockerfileCopiesEveryProjectItsServiceIsBuiltFromBeforeItRestores()
    {
        foreach (var service in RoomcastService.All)
        {
            var image = Dockerfile.Of(service);
            var restore = image.Instructions.ToList().FindIndex(entry => entry.Instruction == "RUN" && entry.Arguments.Contains("dotnet restore"));
            restore.ShouldBeGreaterThan(0, service.Dockerfile);
            var copiedBeforeRestore = image.Instructions.Take(restore)
                .Where(entry => entry.Instruction == "COPY")
                .SelectMany(entry => entry.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipLast(1))
                .ToHashSet();

            foreach (var needed in ProjectClosure(service.Project).Append("Directory.Build.props").Append("Directory.Packages.props"))
            {
                copiedBeforeRestore.ShouldContain(needed, $"{service.Dockerfile} restores without {needed}");
            }
        }
    }

    [Fact]
    public void ImagesAndPortsAgreeBetweenComposeKubernetesAndTheDockerfiles()
    {
        foreach (var service in RoomcastService.All)
        {
            var image = Dockerfile.Of(service);
            var metricsPort = MetricsPortOf(service);

            var composed = Compose.Value.Entries("services").Where(entry => RoomcastService.OfImage(entry.Value.Text("image") ?? "") == service).ToList();
            composed.ShouldNotBeEmpty($"docker-compose.yml runs no {service.Image}");
            foreach (var (name, definition) in composed)
            {
                definition.Text("build", "dockerfile").ShouldBe(service.Dockerfile, $"docker-compose.yml, service {name}");
                foreach (var published in definition.Items("ports").Select(port => ((YamlScalarNode)port).Value!))
                {
                    var containerPort = int.Parse(published.Split(':')[^1]);
                    image.Exposed.ShouldContain(containerPort, $"docker-compose.yml, service {name}, publishes {published}");
                    containerPort.ShouldNotBe(metricsPort, $"docker-compose.yml, service {name}, publishes the metrics port");
                }
            }

            var deployment = Kubernetes.Value.DeploymentOf(service);
            var container = KubernetesManifests.Containers(deployment).Single();
            RoomcastService.ImageRepository(container.Text("image")!).ShouldBe(service.Image);
            var ports = container.Items("ports").ToDictionary(port => port.Text("name")!, port => int.Parse(port.Text("containerPort")!));
            ports.Values.ToHashSet().ShouldBe(image.Exposed, ignoreOrder: true, $"k8s: the container ports of {service} are not what its image exposes");
            ports["http"].ShouldNotBe(metricsPort);
            ports["metrics"].ShouldBe(metricsPort, $"k8s: {service}");
        }

        var renamed = Kubernetes.Value.Kustomizations.SelectMany(kustomization => kustomization.Node.Items("images")).Select(image => image.Text("name")!);
        renamed.ShouldAllBe(name => RoomcastService.All.Any(service => service.Image == name), "an overlay renames an image no service runs");
    }

    [Fact]
    public void EveryServiceIsProbedOnItsHealthEndpointsAndScrapedOnItsMetricsPort()
    {
        foreach (var service in RoomcastService.All)
        {
            var deployment = Kubernetes.Value.DeploymentOf(service);
            var container = KubernetesManifests.Containers(deployment).Single();
            container.Text("readinessProbe", "httpGet", "path").ShouldBe(HealthEndpoints.ReadyPath, $"k8s: {service}");
            container.Text("readinessProbe", "httpGet", "port").ShouldBe("http", $"k8s: {service}");
            container.Text("livenessProbe", "httpGet", "path").ShouldBe(HealthEndpoints.LivePath, $"k8s: {service}");
            container.Text("livenessProbe", "httpGet", "port").ShouldBe("http", $"k8s: {service}");
            container.At("resources", "requests").ShouldNotBeNull($"k8s: {service} requests no resources");
            container.At("resources", "limits", "memory").ShouldNotBeNull($"k8s: {service} has no memory limit");
            int.Parse(deployment.Text("spec", "template", "spec", "terminationGracePeriodSeconds") ?? "30").ShouldBeGreaterThanOrEqualTo(30, $"k8s: {service}");

            var annotations = deployment.At("spec", "template", "metadata", "annotations");
            annotations.Text("prometheus.io/scrape").ShouldBe("true", $"k8s: {service} is not scraped");
            annotations.Text("prometheus.io/port").ShouldBe(MetricsPortOf(service).ToString(), $"k8s: {service}");
            annotations.Text("prometheus.io/path").ShouldBe(MetricsOptions.ScrapePath, $"k8s: {service}");

            var labels = deployment.Entries("spec", "template", "metadata", "labels").ToDictionary(label => label.Key, label => ((YamlScalarNode)label.Value).Value);
            Kubernetes.Value.OfKind("PodDisruptionBudget")
                .Any(budget => budget.Entries("spec", "selector", "matchLabels").All(label => labels.GetValueOrDefault(label.Key) == ((YamlScalarNode)label.Value).Value))
                .ShouldBeTrue($"k8s: no PodDisruptionBudget covers {service}");
        }

        int.Parse(Kubernetes.Value.DeploymentOf(RoomcastService.All.Single(s => s.Name == "realtime-gateway")).Text("spec", "replicas")!)
            .ShouldBeGreaterThanOrEqualTo(2, "gateways run scaled out");
    }

    [Fact]
    public void ServicesAndIngressesRouteOnlyToTheServicePortNeverToMetrics()
    {
        var services = Kubernetes.Value.OfKind("Service").ToDictionary(service => service.Text("metadata", "name")!);
        foreach (var service in RoomcastService.All)
        {
            var exposed = services[service.Name].Items("spec", "ports").ShouldHaveSingleItem();
            exposed.Text("targetPort").ShouldBe("http", $"k8s: Service {service.Name}");
        }

        var backends = Kubernetes.Value.OfKind("Ingress")
            .SelectMany(ingress => ingress.Items("spec", "rules"))
            .SelectMany(rule => rule.Items("http", "paths"))
            .Select(path => path.At("backend", "service"))
            .ToList();
        backends.ShouldNotBeEmpty();
        foreach (var backend in backends)
        {
            var name = backend.Text("name")!;
            services.ShouldContainKey(name, $"an Ingress routes to Service {name}, which does not exist");
            services[name].Items("spec", "ports").Select(port => port.Text("name")).ShouldContain(backend.Text("port", "name"), $"an Ingress routes to a port {name} lacks");
        }
    }

    [Fact]
    public void ComposeStartsEachServiceAfterWhatItNeedsIsHealthyAndBalancesEveryGateway()
    {
        var services = Compose.Value.Entries("services").ToDictionary(entry => entry.Key, entry => entry.Value);
        foreach (var (name, definition) in services)
        {
            foreach (var (dependency, condition) in definition.Entries("depends_on"))
            {
                services.ShouldContainKey(dependency, $"docker-compose.yml: {name} waits for {dependency}, which does not exist");
                condition.Text("condition").ShouldBe("service_healthy", $"docker-compose.yml: {name} waits for {dependency}");
                (services[dependency].At("healthcheck") is not null || RoomcastService.OfImage(services[dependency].Text("image") ?? "") is not null)
                    .ShouldBeTrue($"docker-compose.yml: {dependency} has no health check to wait for");
            }
        }

        var gateway = RoomcastService.All.Single(service => service.Name == "realtime-gateway");
        var gateways = services.Where(entry => RoomcastService.OfImage(entry.Value.Text("image") ?? "") == gateway).Select(entry => entry.Key).ToList();
        gateways.Count.ShouldBeGreaterThanOrEqualTo(2);
        var upstream = Regex.Matches(Repository.Read("compose/nginx.conf"), @"^\s*server\s+(?<host>[\w.-]+):(?<port>\d+)", RegexOptions.Multiline)
            .Select(match => (Host: match.Groups["host"].Value, Port: int.Parse(match.Groups["port"].Value)))
            .ToList();
        upstream.Select(server => server.Host).ShouldBe(gateways, ignoreOrder: true, "compose/nginx.conf balances other services than compose's gateways");
        upstream.ShouldAllBe(server => server.Port == 8080);
        Dockerfile.Of(gateway).Exposed.ShouldContain(8080);
    }

    private static void ShouldAllBeRead(RoomcastService service, IEnumerable<string> variables, string where)
    {
        var read = ServiceSettings.ReadBy(service.Assembly, service.Switches);
        var unread = variables
            .Where(variable => variable.Contains("__")
                ? !read.Contains(variable.Replace("__", ":")) && !ReadDirectly.ContainsKey(variable)
                : !FrameworkVariables.ContainsKey(variable))
            .ToList();
        unread.ShouldBeEmpty($"{where} sets what {service} never reads");
    }

    private static IEnumerable<string> ComposeEnvironment(YamlNode definition) =>
        definition.At("environment") switch
        {
            YamlMappingNode mapping => mapping.Children.Keys.Select(key => ((YamlScalarNode)key).Value!),
            YamlSequenceNode list => list.Children.Select(item => ((YamlScalarNode)item).Value!.Split('=', 2)[0]),
            _ => [],
        };

    private static int MetricsPortOf(RoomcastService service) => int.Parse(Dockerfile.Of(service).Environment["Metrics__Port"]);

    /// <summary>A project and every project it references, transitively, as paths from the repository root.</summary>
    private static IEnumerable<string> ProjectClosure(string project)
    {
        var found = new HashSet<string>();
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var current))
        {
            if (!found.Add(current))
            {
                continue;
            }

            var directory = Path.GetDirectoryName(Repository.PathOf(current))!;
            foreach (var reference in XDocument.Load(Repository.PathOf(current)).Descendants("ProjectReference"))
            {
                var path = Path.GetFullPath(Path.Combine(directory, reference.Attribute("Include")!.Value));
                pending.Push(Path.GetRelativePath(Repository.Root, path).Replace('\\', '/'));
            }
        }

        return found;
    }
}
