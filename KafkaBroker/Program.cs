using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pipeline.KafkaBroker;
using Pipeline.KafkaBroker.Hosting;

return await BrokerCommandLine.Create(RunAsync).Parse(args).InvokeAsync();

static async Task<int> RunAsync(KafkaBrokerOptions options, CancellationToken cancellationToken)
{
    var errors = new List<ValidationResult>();
    if (!Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true))
    {
        foreach (var error in errors)
        {
            await Console.Error.WriteLineAsync($"Invalid option {string.Join(", ", error.MemberNames)}: {error.ErrorMessage}");
        }

        return 2;
    }

    var builder = Host.CreateApplicationBuilder();
    builder.Services.AddSingleton(Options.Create(options));
    builder.Services.AddSingleton(TimeProvider.System);
    builder.Services.AddHostedService<BrokerHostedService>();
    using var host = builder.Build();
    await host.RunAsync(cancellationToken);
    return 0;
}
