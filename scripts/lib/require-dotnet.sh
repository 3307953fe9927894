# Sourced by the scripts that build Roomcast: the .NET 10 SDK must be on PATH. It is not in
# Debian's archive, so it cannot be installed from here; say so plainly instead of failing later.
if ! command -v dotnet >/dev/null 2>&1 || ! dotnet --list-sdks 2>/dev/null | grep -q '^10\.'; then
    echo "error: the .NET 10 SDK is required (dotnet --list-sdks shows none); install it, then run this again." >&2
    exit 1
fi
