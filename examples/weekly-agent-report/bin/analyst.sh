#!/bin/sh
# A stand-in agent: echoes the prompt it was given. Replace with your LLM CLI.
echo "Report for prompt:"
cat
