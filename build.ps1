#!/usr/bin/env pwsh
# Thin wrapper over the dotnet CLI for Windows habits. All build logic lives in Trickle.sln and its MSBuild files, so this
# script has nothing to get wrong: `./build.ps1 -Task test` is exactly `dotnet test Trickle.sln`.
param(
    [ValidateSet('restore', 'build', 'test', 'pack')]
    [string] $Task = 'build',

    # Passed through unchanged, e.g. ./build.ps1 -Task pack -c Release
    [Parameter(ValueFromRemainingArguments = $true)]
    [string[]] $DotnetArguments = @()
)

$ErrorActionPreference = 'Stop'
& dotnet $Task (Join-Path $PSScriptRoot 'Trickle.sln') @DotnetArguments
exit $LASTEXITCODE
