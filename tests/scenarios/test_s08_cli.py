"""S8: the AWS CLI works against Nuvem, and `nuvem aws` needs no endpoint flag."""
import os
import subprocess
import sys

from tests.conftest import REPO


def test_describe_regions_with_the_real_cli(nuvem):
    out = nuvem.aws_cli("ec2", "describe-regions", "--query", "Regions[].RegionName",
                        "--output", "text")
    names = out.stdout.split()
    assert "us-east-1" in names and "sa-east-1" in names and len(names) == 17


def test_nuvem_aws_wrapper_needs_no_endpoint(nuvem):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(NUVEM_PORT=str(nuvem.port), AWS_CONFIG_FILE=os.devnull,
               AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    out = subprocess.run([sys.executable, "-m", "nuvem", "aws", "ec2", "describe-regions",
                          "--query", "Regions[].RegionName", "--output", "text"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "eu-west-1" in out.stdout.split()


def test_cli_error_is_the_aws_error(nuvem):
    out = nuvem.aws_cli("ec2", "describe-regions", "--region-names", "nowhere-1", check=False)
    assert out.returncode == 255   # awscli v1: 255 for a service error
    assert "InvalidParameterValue" in out.stderr
