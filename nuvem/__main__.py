from nuvem.cli import main

main()
